"""How fast next card + answer can be in Python: the floor under the ``answer`` measure.

``python -m benchmarks.raw_answer DB NOW [N]`` answers N cards (default 500) of a copy of
the collection at ``DB`` (an SQLite file built by :mod:`benchmarks.data`), at ``NOW``,
with no SQLAlchemy and none of quizzer's bookkeeping: the plain ``sqlite3`` module runs
the statements quizzer's answer path runs (the learning-card lookup, the card, its
sibling count, the review insert and the card update), py-fsrs previews the four
ratings and applies one, and each answer is one transaction committed with
``synchronous=FULL`` in WAL mode, as quizzer's is. It prints the median and p99.

It is a yardstick for docs/performance.md, not a reference the table compares with:
what it skips (undo snapshots, burying siblings, leech checks, retries) is real work.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path


def run(db: Path, now: datetime, answers: int) -> dict[str, float]:
    """Median and p99 (ms) of ``answers`` next+answer rounds on a copy of ``db``."""
    from fsrs import Card, Rating, Scheduler, State

    work = Path(tempfile.mkdtemp(prefix="quizzer-raw-"))
    try:
        copy = work / "c.db"
        shutil.copyfile(db, copy)
        con = sqlite3.connect(copy, isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")
        scheduler = Scheduler(enable_fuzzing=False)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        ids = [r[0] for r in con.execute(
            "SELECT id FROM cards WHERE state = 2 AND due <= ? ORDER BY due LIMIT ?",
            (stamp, answers))]
        ids += [r[0] for r in con.execute(
            "SELECT id FROM cards WHERE state = 0 ORDER BY position LIMIT ?",
            (answers - len(ids),))]
        rng = random.Random(42)
        times: list[float] = []
        for card_id in ids:
            stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
            start = time.perf_counter()
            con.execute("SELECT id FROM cards WHERE state IN (1, 3) AND due <= ? "
                        "ORDER BY due, id LIMIT 1", (stamp,)).fetchone()
            row = con.execute(
                "SELECT state, step, stability, difficulty, last_review, reps, deck_id, "
                "note_key FROM cards WHERE id = ?", (card_id,)).fetchone()
            con.execute("SELECT count(*) FROM cards WHERE deck_id = ? AND note_key = ?",
                        (row[6], row[7])).fetchone()
            last = datetime.fromisoformat(row[4] + "+00:00") if row[4] else None
            card = Card(card_id=card_id, state=State(row[0]) if row[0] else State.Learning,
                        step=row[1] if row[0] else 0, stability=row[2], difficulty=row[3],
                        due=now, last_review=last)
            for rating in Rating:  # the buttons' intervals
                scheduler.review_card(card, rating, now)
            rating = rng.choice([Rating.Again, Rating.Hard, Rating.Good, Rating.Good,
                                 Rating.Good, Rating.Easy])
            new, _ = scheduler.review_card(card, rating, now)
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO reviews (card_id, reviewed_at, rating, duration_ms, mode, "
                "prior_state, state_before) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (card_id, stamp, int(rating), 1000, "scheduled", row[0],
                 json.dumps({"state": row[0], "reps": row[5]})))
            con.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
                "last_review = ?, reps = reps + 1 WHERE id = ?",
                (int(new.state), new.step, new.stability, new.difficulty,
                 new.due.strftime("%Y-%m-%d %H:%M:%S.%f"), stamp, card_id))
            con.execute("COMMIT")
            times.append(time.perf_counter() - start)
            now += timedelta(seconds=8)
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ordered = sorted(times)
    if not ordered:
        return {"median": 0.0, "p99": 0.0, "n": 0}
    return {"median": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000,
            "n": len(ordered)}


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    now = datetime.fromisoformat(argv[1])
    if now.utcoffset() != timedelta(0):
        print("NOW must be in UTC, with its offset (2026-01-01T12:00:00+00:00)", file=sys.stderr)
        return 2
    result = run(Path(argv[0]), now, int(argv[2]) if argv[2:] else 500)
    if not result["n"]:
        print(f"no card of {argv[0]} is due or new at {argv[1]}", file=sys.stderr)
        return 1
    print(f"raw next+answer: median {result['median']:.3f} ms, p99 {result['p99']:.3f} ms, "
          f"n={result['n']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
