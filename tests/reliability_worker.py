"""Child-process work for the reliability harnesses (not a test module).

Run as ``python tests/reliability_worker.py COMMAND DB [ARGS]``; the parent test reads
stdout line by line and may SIGKILL the process at any moment. Every line is printed
with ``flush=True`` right after the thing it reports is durable, so what the parent has
read is exactly what the child acknowledged.

Commands:

``answer DB [--seed S] [--count N] [--deck D] [--practice-every K] [--wait]``
    Answer cards through the public API forever (or N times), travelling through
    simulated days with ``now=``; prints each review's id after its commit. Every K-th
    answer is a practice answer. ``--wait`` waits for a line on stdin before opening the
    database (so the parent can start it early). A card answered by another process
    meanwhile (``CardChanged``) is skipped and counted; a "database is locked"/"busy"
    error is counted too (there must be none). Ends with ``done answered=.. changed=..
    locked=..``.
``import DB DECK``
    Import one deck file; prints ``ready``, then ``writing`` when the import's write
    transaction begins (``BEGIN IMMEDIATE``), then ``done ADDED``.
``backup DB``
    Back up the collection in a loop, printing each backup's path.
``cli DB FAULT ARGS...``
    Run the command line (``quizzer.cli.main(["--db", DB, *ARGS])``) with a fault in the
    database: ``full`` (SQLite's page limit is the current size: a real "database or
    disk is full" on any write that needs room) or ``io`` (every INSERT/UPDATE/DELETE
    raises "disk I/O error").
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

#: Where simulated time starts on an empty log.
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def basic_deck(slug: str, count: int, title: str | None = None) -> str:
    """The text of a deck of ``count`` basic cards with ids (shared with the tests)."""
    lines = [f"deck: {slug}", f"title: {title or slug.title()}", "cards:"]
    for i in range(count):
        lines += [f"  - id: {slug}-{i}", f"    front: Question {i} of {slug}?", f"    back: {i}"]
    return "\n".join(lines) + "\n"


def _latest_review_time(col: Any) -> datetime | None:
    from sqlalchemy import func, select

    from quizzer.store.models import reviews_t

    with col.store.read() as session:
        return session.execute(select(func.max(reviews_t.c.reviewed_at))).scalar()


def _next_due(col: Any) -> datetime | None:
    from sqlalchemy import func, select

    from quizzer.store.models import cards_t

    with col.store.read() as session:
        return session.execute(
            select(func.min(cards_t.c.due)).where(
                cards_t.c.retired_at.is_(None), cards_t.c.suspended.is_(False)
            )
        ).scalar()


def answer(args: argparse.Namespace) -> int:
    from quizzer import CardChanged, Collection, Rating
    from quizzer.errors import StoreError

    rng = random.Random(args.seed)
    if args.wait and not sys.stdin.readline():  # started ahead: wait for the parent's go
        return 0  # the parent is gone (or gave up): never run unattended
    col = Collection.open(args.db)
    latest = _latest_review_time(col)
    # Continue after the newest review, so time only moves forward across crashes.
    now = START if latest is None else latest + timedelta(minutes=1)
    scheduled = col.study(args.deck, "scheduled", now=now)
    practice = col.study(args.deck, "practice", now=now)
    answered = changed = locked = idle = 0
    while args.count is None or answered < args.count:
        use_practice = bool(args.practice_every) and answered % args.practice_every == 0
        try:
            card = None
            if use_practice:
                card = practice.next_card(now=now)
                if card is None:  # drilled every card: start another round
                    practice = col.study(args.deck, "practice", now=now)
                    card = practice.next_card(now=now)
                session = practice
            if card is None:
                session = scheduled
                card = scheduled.next_card(now=now)
            if card is None:
                # Nothing left today: on to the next day, or straight to the next due card.
                idle += 1
                if idle > 100:
                    raise SystemExit("nothing to study after 100 jumps in time")
                now = max(now + timedelta(days=1), _next_due(col) or now)
                scheduled = col.study(args.deck, "scheduled", now=now)
                continue
            idle = 0
            rating = rng.choices(
                [Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY], [1, 2, 12, 3]
            )[0]
            spent = rng.randint(500, 9000)
            outcome = session.answer(card, rating=rating, duration_ms=spent, now=now)
        except CardChanged:
            changed += 1
            scheduled = col.study(args.deck, "scheduled", now=now)
            continue
        except StoreError as exc:
            if "busy" not in str(exc) and "locked" not in str(exc):
                raise
            locked += 1
            print(f"locked {exc}", file=sys.stderr, flush=True)
            continue
        print(outcome.review_id, flush=True)
        answered += 1
        now += timedelta(seconds=rng.randint(5, 90))
    print(f"done answered={answered} changed={changed} locked={locked}", flush=True)
    return 0


def import_deck(args: argparse.Namespace) -> int:
    from sqlalchemy import event

    from quizzer import Collection

    col = Collection.open(args.db)
    announced = False

    def on_statement(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        nonlocal announced
        if statement == "BEGIN IMMEDIATE" and not announced:
            announced = True
            print("writing", flush=True)

    event.listen(col.store.engine, "before_cursor_execute", on_statement)
    print("ready", flush=True)
    report = col.import_decks([args.deck])
    print(f"done {report.total('added')}", flush=True)
    return 0


def backup_loop(args: argparse.Namespace) -> int:
    from quizzer import Collection
    from quizzer.maintenance import backup_now

    col = Collection.open(args.db)
    print("ready", flush=True)
    while True:
        print(backup_now(col, "manual"), flush=True)


def cli_with_fault(args: argparse.Namespace) -> int:
    import sqlite3

    from helpers import on_statements
    from sqlalchemy import event

    import quizzer.store.db as db

    original = db.get_engine
    patched: set[int] = set()

    def get_engine(url: str) -> Any:
        engine = original(url)
        if id(engine) in patched:
            return engine
        patched.add(id(engine))
        if args.fault == "full":

            @event.listens_for(engine, "connect")
            def limit_size(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                pages = cursor.execute("PRAGMA page_count").fetchone()[0]
                cursor.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
                cursor.close()

        else:

            def fail(cursor: Any, statement: str) -> None:
                if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                    raise sqlite3.OperationalError("disk I/O error")

            on_statements(engine, fail).__enter__()  # for the rest of this process

        return engine

    db.get_engine = get_engine
    from quizzer.cli import main

    main(["--db", args.db, *args.rest])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reliability_worker")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("answer")
    p.add_argument("db")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--count", type=int, default=None)
    p.add_argument("--deck", default=None)
    p.add_argument("--practice-every", type=int, default=0)
    p.add_argument("--wait", action="store_true", help="wait for a line on stdin first")
    p.set_defaults(run=answer)
    p = sub.add_parser("import")
    p.add_argument("db")
    p.add_argument("deck")
    p.set_defaults(run=import_deck)
    p = sub.add_parser("backup")
    p.add_argument("db")
    p.set_defaults(run=backup_loop)
    p = sub.add_parser("cli")
    p.add_argument("db")
    p.add_argument("fault", choices=["full", "io"])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(run=cli_with_fault)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
