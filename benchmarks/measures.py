"""The measures: each runs quizzer and its reference side by side, in the same run.

A measure returns a dict with ``ours`` and ``reference`` timing summaries (median, p95,
p99 in milliseconds), their ``ratio`` and the ``target`` ratio from issue #9.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MEASURES", "summary"]

REPO = Path(__file__).resolve().parent.parent
ANKI_PEER = REPO.parent / "shared" / "peers" / "anki_peer.py"


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 and p99 of ``samples`` (seconds) in milliseconds."""
    xs = sorted(samples)

    def pct(q: float) -> float:
        return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))] * 1000

    return {"median": round(statistics.median(xs) * 1000, 3), "p95": round(pct(95), 3),
            "p99": round(pct(99), 3), "n": len(xs)}


def _result(name: str, ours: dict[str, float], ref: dict[str, float] | None, ref_name: str,
            target: float | None, note: str = "", key: str = "median", unit: str = "ms",
            absolute: bool = False) -> dict[str, Any]:
    """One row of the table. ``target`` is a ratio to the reference, or with ``absolute``
    a bound on ours (in ``unit``)."""
    ratio = round(ours[key] / ref[key], 3) if ref and ref.get(key) else None
    if absolute:
        met = ours[key] <= target if target is not None and ours.get("n") else None
    else:
        met = (ratio <= target) if ratio is not None and target is not None else None
    return {"name": name, "ours": ours, "reference": ref, "reference_name": ref_name,
            "ratio": ratio, "target": target, "target_absolute": absolute, "unit": unit,
            "key": key, "met": met, "note": note}


SKIPPED = {"median": 0.0, "p95": 0.0, "p99": 0.0, "n": 0}


def _env(home: Path) -> dict[str, str]:
    env = _clean_env()
    env["QUIZZER_HOME"] = str(home)
    env.pop("QUIZZER_DB", None)
    return env


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: installed Python code always has
    its bytecode cached, so timings must not include compiling every module."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time_commands(ours: tuple[list[str], dict[str, str]], ref: tuple[list[str], dict[str, str]],
                   runs: int) -> tuple[list[float], list[float]]:
    """Wall times of two commands, run alternately, so that a busy spell of the shared
    machine falls on both sides rather than on whichever ran through it."""
    times: tuple[list[float], list[float]] = ([], [])
    for argv, env in (ours, ref):  # warm-up: caches bytecode, warms the page cache
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
    for _ in range(runs):
        for (argv, env), out in zip((ours, ref), times, strict=True):
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, check=False)
            out.append(time.perf_counter() - start)
            if done.returncode:  # a failed run's time means nothing
                raise RuntimeError(f"{argv[:2]} exited with {done.returncode}: "
                                   f"{done.stderr.decode(errors='replace')[-2000:]}")
    return times


def anki_python() -> str | None:
    """A Python with ``anki`` installed (``QUIZZER_ANKI_PYTHON``), or None."""
    return _anki_setup()[0]


def _anki_setup() -> tuple[str | None, str]:
    """The Anki Python and the peer script, or None and why not."""
    candidate = os.environ.get("QUIZZER_ANKI_PYTHON")
    if not candidate:
        return None, "no Anki reference: set QUIZZER_ANKI_PYTHON (see docs/performance.md)"
    if not Path(candidate).exists():
        return None, f"no Anki reference: QUIZZER_ANKI_PYTHON={candidate} does not exist"
    if not ANKI_PEER.exists():
        return None, f"no Anki reference: {ANKI_PEER} is missing"
    return candidate, ""


def _anki(n_notes: int, answers: int, runs: int = 1) -> tuple[list[dict[str, Any]], str]:
    """``runs`` results of ``anki_peer.py N_NOTES M_ANSWERS`` (one fresh collection each),
    or none and a note saying why."""
    python, why = _anki_setup()
    if python is None:
        return [], why
    out = []
    for _ in range(runs):
        try:
            done = subprocess.run([python, str(ANKI_PEER), str(n_notes), str(answers)],
                                  capture_output=True, text=True, check=False, timeout=1800,
                                  cwd=tempfile.gettempdir())
        except (OSError, subprocess.TimeoutExpired) as exc:
            return out, f"Anki peer failed: {exc}"
        result = next((json.loads(line[7:]) for line in done.stdout.splitlines()
                       if line.startswith("RESULT ")), None)
        if result is None:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return out, f"Anki peer failed ({done.returncode}): {last[:120]}"
        out.append(result)
    return out, ""


def _ms(values: list[float]) -> dict[str, float]:
    """A summary of values that are already milliseconds."""
    return summary([v / 1000 for v in values])


def _built(scale: dict[str, Any], work: Path, name: str,
           reviews_key: str = "reviews") -> dict[str, Any]:
    """A copy at ``work/name.db`` of the scale's benchmark collection (``cards`` cards,
    ``scale[reviews_key]`` reviews), built once per run and copied for each measure, so
    each starts from the same rows."""
    from benchmarks.data import build_collection
    from quizzer.store.db import dispose_engines

    cards, reviews = scale["cards"], scale[reviews_key]
    key = f"{cards}-{reviews}-{scale['days']}"
    master = work / f"built-{key}.db"
    meta = work / f"built-{key}.json"
    if not meta.exists():
        folder = work / f"built-{key}"
        folder.mkdir(exist_ok=True)
        built = build_collection(master, folder, cards, reviews, days=scale["days"])
        dispose_engines()  # the WAL folded into the file, which can now be copied
        meta.write_text(json.dumps(built))
    built = json.loads(meta.read_text())
    db = work / f"{name}.db"
    for suffix in ("-wal", "-shm"):  # a copy made again: no log of the one before
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{master}{suffix}").exists():
            shutil.copyfile(f"{master}{suffix}", f"{db}{suffix}")
    return built | {"db": str(db)}


# -- measures -------------------------------------------------------------------------
def _runs_with(script: Path, python: str) -> bool:
    """Whether the console script ``script`` starts ``python`` (its ``#!`` line)."""
    try:
        with script.open("rb") as handle:
            first = handle.readline().decode(errors="replace")
    except OSError:
        return False
    if not first.startswith("#!"):
        return False
    # The same interpreter under another name (a venv's python and python3 links).
    return Path(first[2:].strip()).resolve() == Path(python).resolve()


def measure_check(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """`quizzer check decks/` against `python -c "import yaml"`.

    Runs the installed console script, as a user or an editor hook types it, where it sits
    beside this interpreter; otherwise `python -m quizzer` (which adds runpy, ≈ 4 ms).
    """
    runs = scale["runs"] * 3  # ≈ 50 ms a run: more samples cost little and steady the median
    script = Path(sys.executable).with_name("quizzer")
    if not (script.exists() and _runs_with(script, sys.executable)):
        script = Path("/nonexistent")  # another install's script would time other code
    command = [str(script)] if script.exists() else [sys.executable, "-m", "quizzer"]
    ours, ref = _time_commands(([*command, "check", str(REPO / "decks")], _env(work)),
                               ([sys.executable, "-c", "import yaml"], _clean_env()), runs)
    how = "the quizzer console script" if script.exists() else "python -m quizzer"
    return _result("check", summary(ours), summary(ref), "python -c 'import yaml'", 2.0, how)


def measure_import(scale: dict[str, Any], work: Path) -> list[dict[str, Any]]:
    """Import of an N-card deck against parsing it alone and against Anki adding N
    notes; re-import of the unchanged deck against the first import."""
    import yaml
    from sqlalchemy import func, select

    from benchmarks.data import notes_for_cards, write_deck
    from quizzer.collection import Collection
    from quizzer.store.db import dispose_engines
    from quizzer.store.models import cards_t

    n = scale["import_cards"]
    deck = write_deck(work / "import.yaml", notes_for_cards(n))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    firsts, again, parses = [], [], []
    cards = 0
    anki: list[dict[str, Any]] = []
    why = ""
    for run in range(scale["import_runs"]):
        db = work / f"import-{run}.db"
        col = Collection.open(db)
        start = time.perf_counter()
        col.import_decks([deck])
        firsts.append(time.perf_counter() - start)
        for _ in range(3):
            start = time.perf_counter()
            col.import_decks([deck])
            again.append(time.perf_counter() - start)
        start = time.perf_counter()
        with open(deck, encoding="utf-8") as handle:
            yaml.load(handle, Loader=loader)
        parses.append(time.perf_counter() - start)
        with col.store.read() as session:
            cards = session.execute(select(func.count()).select_from(cards_t)).scalar_one()
        dispose_engines()
        # Anki adds as many notes right after each import (not all at the end), so a
        # busy spell on the shared machine slows both sides alike.
        if why == "":
            runs, why = _anki(cards, 0)
            anki += runs
    out = [_result("import", summary(firsts), summary(parses), "yaml.load(CSafeLoader)",
                   3.0, note=f"{cards} cards"),
           _result("reimport", summary(again), summary(firsts), "first import", 0.1,
                   note=f"{cards} cards")]
    ref = _ms([r["add_total_s"] * 1000 for r in anki]) if anki else None
    out.append(_result("import_vs_anki", summary(firsts), ref,
                       "Anki adding the notes (anki_peer.py)", 1.0,
                       note=f"{cards} cards; Anki {cards} Basic notes" if ref else why))
    return out


def measure_answer(scale: dict[str, Any], work: Path) -> list[dict[str, Any]]:
    """next card + answer through the API, on a collection with due reviews, against
    the Anki backend doing the same on as many cards (anki_peer.py)."""
    from benchmarks.data import START
    from quizzer.collection import Collection
    from quizzer.store.db import dispose_engines

    # As many runs of ours as of Anki's, in turn (Anki, ours, Anki, ours...), each on a
    # fresh copy of the collection, and each side's median and p99 the median of its
    # runs': a busy spell on the shared machine then falls on both sides alike, where
    # one run of ours among Anki's three moved the ratio by a third from run to run.
    anki: list[dict[str, Any]] = []
    why = ""
    runs: list[dict[str, float]] = []
    built: dict[str, Any] = {}
    for run in range(max(1, scale["anki_runs"])):
        built = _built(scale, work, "answer")
        if run == 0 or anki:
            more, why = _anki(built["cards"], scale["answers"])
            anki += more
        col = Collection.open(built["db"])
        now = START.__class__.fromisoformat(built["end"])
        samples = _timed_answers([col.study(now=now)], now, scale["answers"])[0]
        dispose_engines()
        if samples:
            runs.append(summary(samples))
    ours = dict(SKIPPED)
    if runs:
        ours = {"median": round(statistics.median(r["median"] for r in runs), 3),
                "p95": round(statistics.median(r["p95"] for r in runs), 3),
                "p99": round(statistics.median(r["p99"] for r in runs), 3),
                "n": sum(int(r["n"]) for r in runs), "runs": len(runs),
                "run_medians": [r["median"] for r in runs]}
    ref = None
    if anki:
        ref = {"median": round(statistics.median(r["next_plus_answer_median_ms"]
                                                 for r in anki), 3),
               "p95": None,
               "p99": round(statistics.median(r["next_plus_answer_p99_ms"] for r in anki), 3),
               "n": sum(r["answered"] for r in anki), "runs": len(anki),
               "run_medians": [r["next_plus_answer_median_ms"] for r in anki]}
    note = f"{built['cards']} cards, {built['reviews']} reviews"
    if anki:
        note += (f"; Anki {anki[0]['cards_in_collection']} cards, {anki[0]['anki_version']}; "
                 f"{len(runs)} runs of ours and {len(anki)} of Anki's, in turn")
    else:
        note += f"; {why}"
    return [_result("answer", ours, ref, "Anki backend (anki_peer.py)", 1.0, note=note),
            _result("answer_p99", ours, ref, "Anki backend (anki_peer.py)", 1.0, note=note,
                    key="p99")]


def measure_stats(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """Full `stats --format json` against the same aggregates as raw sqlite3 queries."""
    import sqlite3

    from benchmarks.data import START
    from quizzer.collection import Collection

    built = _built(scale, work, "stats", "stats_reviews")
    db = built["db"]
    now = START.__class__.fromisoformat(built["end"])
    col = Collection.open(db)
    ours, ref = [], []
    for _ in range(scale["runs"]):
        start = time.perf_counter()
        json.dumps(col.stats(now=now))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        conn = sqlite3.connect(db)
        for query in RAW_STATS_QUERIES:
            conn.execute(query, {"now": now.timestamp()}).fetchall()
        conn.close()
        ref.append(time.perf_counter() - start)
    return _result("stats", summary(ours), summary(ref), "raw sqlite3 aggregates", 2.0,
                   note=f"{built['reviews']} reviews")


#: The same aggregates as ``quizzer stats``, hand-written for SQLite (the reference).
RAW_STATS_QUERIES = [
    "SELECT count(*), sum(state=0), sum(state=1), sum(state=2), sum(state=3), "
    "sum(suspended), sum(leech), sum(stability >= 21) FROM cards WHERE retired_at IS NULL",
    "SELECT d.slug, count(c.id), sum(c.stability >= 21) FROM decks d LEFT JOIN cards c ON "
    "c.deck_id = d.id AND c.retired_at IS NULL GROUP BY d.id",
    "SELECT CAST(strftime('%s', reviewed_at) AS INTEGER) / 3600 h, mode, count(*), "
    "sum(duration_ms) FROM reviews GROUP BY h, mode",
    "SELECT CAST(strftime('%s', reviewed_at) AS INTEGER) / 3600 h, count(*), "
    "sum(rating != 1) FROM reviews WHERE mode = 'scheduled' AND prior_state = 2 GROUP BY h",
    "SELECT count(*), sum(rating != 1) FROM reviews WHERE mode = 'scheduled' AND "
    "prior_state = 2 AND reviewed_at >= datetime(:now - 30 * 86400, 'unixepoch')",
    "SELECT c.type, count(*), sum(r.correct) FROM reviews r JOIN cards c ON c.id = r.card_id "
    "WHERE r.correct IS NOT NULL GROUP BY c.type",
    "SELECT CAST(strftime('%s', due) AS INTEGER) / 3600 h, count(*) FROM cards WHERE "
    "state != 0 AND retired_at IS NULL GROUP BY h",
    "SELECT floor(difficulty), count(*) FROM cards WHERE state != 0 GROUP BY 1",
    "SELECT suggested_rating, rating, count(*) FROM reviews WHERE mode = 'scheduled' "
    "GROUP BY 1, 2",
    "SELECT round(retrievability * 1000), count(*), sum(rating != 1) FROM reviews WHERE "
    "retrievability IS NOT NULL AND prior_state IN (2, 3) GROUP BY 1",
    "SELECT id, lapses FROM cards WHERE state != 0 ORDER BY lapses DESC LIMIT 10",
]


def measure_startup(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """`quizzer` start-up to the deck list painted (headless) vs importing its libraries.

    "Painted" is as in ``tui_answer``: the first frame the app hands to the terminal
    driver (``App._display``) that shows the deck rows, checked against that frame's
    text (a bundled deck's title must be on it). Both processes then end with
    ``os._exit``: the clock stops when the list is on screen, not after the interpreter
    has torn down every module (~150 ms that no user waits for). Polling the screen
    from a Pilot instead stopped the clock late: ``pilot.pause()`` waits until the
    whole process is idle, start-up import and streak threads included (≈ 40 ms).
    The script starts as the ``quizzer`` command does: garbage collection held
    (``quizzer.startup``) and the command line's module (click) imported."""
    script = (  # what `quizzer` does (quizzer.entry, quizzer.cli), headless at 80×24
        "import asyncio, io, os\n"
        "from quizzer.startup import hold_gc\n"
        "hold_gc()\n"
        "import quizzer.cli\n"
        "from quizzer.collection import Collection\n"
        "from quizzer.tui import create_app\n"
        "def shows_rows(app):\n"
        "    from rich.console import Console\n"
        "    from textual.widgets import DataTable\n"
        "    tables = app.screen.query(DataTable)\n"
        "    if not tables or not tables.first().row_count:\n"
        "        return False\n"
        "    console = Console(width=80, height=24, file=io.StringIO(), record=True)\n"
        "    console.print(app.screen._compositor.render_update(full=True))\n"
        "    return 'Model hubs and model cards' in console.export_text(styles=False)\n"
        "async def main():\n"
        "    app = create_app(Collection.open(), watch=False)\n"
        "    original = app._display\n"
        "    def display(screen, renderable):\n"
        "        original(screen, renderable)\n"
        "        if renderable is not None and not app._batch_count and shows_rows(app):\n"
        "            os._exit(0)\n"
        "    app._display = display\n"
        "    async with app.run_test(size=(80, 24)):\n"
        "        await asyncio.sleep(60)\n"
        "    os._exit(1)\n"
        "asyncio.run(main())\n"
    )
    home = work / "startup-home"
    home.mkdir(exist_ok=True)
    env = _env(home)
    subprocess.run([sys.executable, "-c", script], env=env, check=False)  # first import
    reference = "import os, textual.app, sqlmodel, fsrs, yaml; os._exit(0)"
    ours, ref = _time_commands(([sys.executable, "-c", script], env),
                               ([sys.executable, "-c", reference], _clean_env()), scale["runs"])
    return _result("startup", summary(ours), summary(ref),
                   "python -c 'import textual.app, sqlmodel, fsrs, yaml'", 1.25)


MEASURES: dict[str, Callable[[dict[str, Any], Path], Any]] = {
    "check": measure_check,
    "import": measure_import,
    "answer": measure_answer,
    "stats": measure_stats,
    "startup": measure_startup,
}


def new_workdir() -> Path:
    """A scratch folder for one run."""
    return Path(tempfile.mkdtemp(prefix="quizzer-bench-"))


def _pg_bench_url() -> str | None:
    """The PostgreSQL server for benchmarks: QUIZZER_BENCH_PG_URL or the tests' URL."""
    return os.environ.get("QUIZZER_BENCH_PG_URL") or os.environ.get("QUIZZER_TEST_PG_URL")


def _timed_answers(sessions: list[Any], now: Any, count: int) -> list[list[float]]:
    """next card + answer in each session in turn (the same cards, ratings and clock),
    ``count`` times; the seconds each took, per session."""
    import random

    rngs = [random.Random(42) for _ in sessions]
    samples: list[list[float]] = [[] for _ in sessions]
    for _ in range(count):
        for session, rng, out in zip(sessions, rngs, samples, strict=True):
            start = time.perf_counter()
            card = session.next_card(now=now)
            if card is None:
                return samples
            rating = rng.choice([1, 2, 3, 3, 3, 4])
            session.answer(card, response=None, rating=rating if card.input == "reveal" else 3,
                           now=now)
            out.append(time.perf_counter() - start)
    return samples


def measure_answer_pg(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """next card + answer on PostgreSQL over loopback against the same on SQLite, in the
    same run, on copies of one collection (``quizzer migrate``). Skipped, with a note,
    without QUIZZER_BENCH_PG_URL or QUIZZER_TEST_PG_URL or a server answering there."""
    import secrets

    from sqlalchemy.engine import make_url

    from benchmarks.data import START
    from quizzer.collection import Collection
    from quizzer.store.db import dispose_engines, masked_url

    name, ref_name = "answer_pg", "the same on SQLite"
    skipped = dict(SKIPPED)
    base = _pg_bench_url()
    if not base:
        return _result(name, skipped, None, ref_name, None,
                       note="skipped: no PostgreSQL server (set QUIZZER_BENCH_PG_URL)")
    try:
        import psycopg

        parsed = make_url(base)
        admin = psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username,
                                password=parsed.password, dbname=parsed.database,
                                autocommit=True, connect_timeout=5)
    except Exception as exc:  # no driver, no server: a note, not a failure
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return _result(name, skipped, None, ref_name, None,
                       note=f"skipped: no server at {masked_url(base)} ({first})")
    schema = f"bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
        built = _built(scale, work, "answer-pg")
        lite = Collection.open(built["db"])
        lite.copy_to(url)
        # Fresh planner statistics, as autovacuum gathers within a minute of a bulk
        # load: without them the learning-card query ANDs in a scan of the whole deck's
        # index (~4 ms at 100,000 cards; see docs/performance.md).
        for (table,) in admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                      (schema,)).fetchall():
            admin.execute(f'ANALYZE "{schema}"."{table}"')
        server = Collection.open(url)
        now = START.__class__.fromisoformat(built["end"])
        on_lite, on_pg = _timed_answers([lite.study(now=now), server.study(now=now)], now,
                                        scale["answers"])
        dispose_engines()
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    note = (f"{built['cards']} cards, {built['reviews']} reviews; PostgreSQL at "
            f"{parsed.host}:{parsed.port or 5432}, analyzed after the copy")
    return _result(name, summary(on_pg), summary(on_lite), ref_name, 3.0, note=note)


MEASURES["answer_pg"] = measure_answer_pg


def _probe(kind: str, built: dict[str, Any], count: int, work: Path) -> dict[str, Any]:
    """Run ``python -m benchmarks.tui_probe KIND DB NOW COUNT``; its RESULT."""
    home = work / f"{kind}-home"
    home.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "benchmarks.tui_probe", kind, built["db"],
                           built["end"], str(count)], env=_env(home), cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=1800)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"tui_probe {kind} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def measure_tui_answer(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """TUI: rating key → next card painted (Pilot, headless), against a minimal Textual
    app that swaps one Static's text on the same keys, in the same process
    (:mod:`benchmarks.tui_probe`)."""
    built = _built(scale, work, "tui")
    result = _probe("answer", built, scale["tui_presses"], work)
    ours = summary(result["ours"]) if result["ours"] else dict(SKIPPED)
    reference = summary(result["reference"])
    note = (f"{built['cards']} cards, {built['reviews']} reviews; "
            f"{result['verified']}/{len(result['ours'])} frames checked to show the new card")
    shaped = summary(result["card_shaped"]) if result.get("card_shaped") else None
    if shaped:
        # A floor, not the reference: stock widgets in the review screen's shape, the
        # same change of screen, no database (benchmarks.tui_probe.card_shaped_app).
        note += (f"; the review screen's shape in stock widgets, no database: "
                 f"{shaped['median']:.2f} ms ({shaped['median'] / reference['median']:.1f}×)")
    row = _result("tui_answer", ours, reference,
                  "minimal Textual app swapping one Static", 3.0, note=note)
    row["card_shaped"] = shaped
    return row


def measure_rss(scale: dict[str, Any], work: Path) -> dict[str, Any]:
    """Peak RSS of the TUI open on the full benchmark collection (``cards`` cards and
    ``stats_reviews`` reviews: deck list, browse, stats, a few answers), against ≤ 250 MB;
    the reference is Python with the app's libraries imported (for scale, not a target)."""
    built = _built(scale, work, "rss", "stats_reviews")
    result = _probe("rss", built, scale["rss_answers"], work)
    mb = round(result["maxrss_kb"] / 1024, 1)
    floor = subprocess.run([sys.executable, "-m", "benchmarks.tui_probe", "floor"],
                           env=_clean_env(), cwd=REPO, capture_output=True, text=True,
                           check=False)
    ref_kb = next((json.loads(line[7:])["maxrss_kb"] for line in floor.stdout.splitlines()
                   if line.startswith("RESULT ")), 0)
    ref_mb = round(ref_kb / 1024, 1)
    steps = ", ".join(f"{k} {v / 1024:.0f}" for k, v in result["steps"].items())
    return _result("rss", {"median": mb, "p95": mb, "p99": mb, "n": 1},
                   {"median": ref_mb, "p95": ref_mb, "p99": ref_mb, "n": 1} if ref_mb else None,
                   "Python importing textual.app, sqlmodel, fsrs, yaml", 250, unit="MB",
                   absolute=True,
                   note=f"{built['cards']} cards, {built['reviews']} reviews; peak MB after: "
                        f"{steps}; the statistics screen's fit: {result.get('fit')}")


MEASURES["tui_answer"] = measure_tui_answer
MEASURES["rss"] = measure_rss
