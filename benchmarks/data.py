"""Deterministic synthetic data for the benchmarks.

* :func:`write_deck` — a YAML deck of N notes of mixed types (4 cards for every 3
  notes; :func:`notes_for_cards` turns a card count into notes).
* :func:`build_collection` — a collection with N cards and M reviews spread over a
  year. Reviews are made by the same pure functions the study engine uses
  (:func:`quizzer.study.scheduler.review`, the same fuzz seeds, the same ``state_before``
  snapshots and predicted retrievability) and written in bulk, much faster than one
  transaction per answer. Every card's state is exactly the replay of its log, as
  ``quizzer doctor`` checks (``tests/test_benchmarks.py``). Unlike answers through the
  API, siblings are not buried and no suggestion or correctness is recorded.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["RATINGS", "START", "build_collection", "notes_for_cards", "write_deck"]

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
#: The collection seed of every build (fuzz, shuffles): see :func:`build_collection`.
BUILD_SEED = "b3c4e5f6a7b8c9d0"
#: Again 15 %, Hard 10 %, Good 65 %, Easy 10 % (as the Anki peer answers).
RATINGS = [1] * 15 + [2] * 10 + [3] * 65 + [4] * 10


def write_deck(path: Path, n: int, slug: str = "bench", seed: int = 7) -> Path:
    """Write a deck of ``n`` notes (basic, reversed, choice, typed, cloze, order)."""
    rng = random.Random(seed)
    lines = [f"deck: {slug}", f"title: Benchmark deck of {n} cards", "tags: [bench]",
             "cards:"]
    for i in range(n):
        kind = i % 6
        word = f"term{i}-{rng.randrange(10**6)}"
        if kind == 0:
            lines += [f"  - id: c{i}", f"    front: What is {word}?",
                      f"    back: The meaning of {word}."]
        elif kind == 1:
            lines += [f"  - id: c{i}", f"    front: Define {word}", f"    back: {word} means x",
                      "    reverse: true"]
        elif kind == 2:
            lines += [f"  - id: c{i}", "    type: choice", f"    question: Which fits {word}?",
                      f"    choices: [alpha {i}, beta {i}, gamma {i}]", f"    answer: beta {i}"]
        elif kind == 3:
            lines += [f"  - id: c{i}", "    type: typed", f"    question: Name {word}",
                      f"    answer: answer{i}", f"    accept: [ans{i}]"]
        elif kind == 4:
            lines += [f"  - id: c{i}", "    type: cloze",
                      f"    text: \"{word} is {{{{hidden{i}}}}} and {{{{shown{i}}}}}\""]
        else:
            lines += [f"  - id: c{i}", "    type: order", f"    question: Order {word}",
                      f"    items: [one {i}, two {i}, three {i}]"]
        lines.append(f"    explain: Because of {word}.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: Cards made by a note of each kind, in :func:`write_deck`'s order (a reversed basic
#: note and a two-blank cloze make two cards each).
CARDS_PER_KIND = (1, 2, 1, 1, 2, 1)


def notes_for_cards(cards: int) -> int:
    """How many notes :func:`write_deck` needs to make at least ``cards`` cards."""
    notes = made = 0
    while made < cards:
        made += CARDS_PER_KIND[notes % 6]
        notes += 1
    return max(1, notes)


def build_collection(db: Path, folder: Path, cards: int, reviews: int,
                     days: int = 365) -> dict[str, Any]:
    """A collection at ``db`` with ``cards`` cards (one more if the last note makes two)
    and ``reviews`` reviews over ``days`` days before :data:`START` + ``days``. Returns
    what was built."""
    from sqlalchemy import insert, select, update

    from quizzer.collection import Collection
    from quizzer.store.models import Card, cards_t, reviews_t, settings_t
    from quizzer.study import repo
    from quizzer.study.scheduler import MemoryState, retrievability, review
    from quizzer.study.views import card_seed

    notes = notes_for_cards(cards)
    deck = write_deck(folder / "bench.yaml", notes)
    col = Collection.open(db)
    col.set_setting("timezone", "UTC")
    # The collection's fuzz and shuffle seed is random when a collection makes it; a
    # fixed one makes every build the same year of reviews (the same due cards, the
    # same learning backlog), so runs and trees compare on the same rows.
    with col.store.write() as session:
        session.execute(insert(settings_t).values(scope="", key="seed", value=BUILD_SEED))
    col.import_decks([deck], now=START)
    seed = BUILD_SEED  # what the app reads back (the replay test checks it does)
    with col.store.read() as session:
        ids = list(session.execute(select(cards_t.c.id).order_by(cards_t.c.id)).scalars())
        settings = repo.deck_settings(session, "bench")
    rng = random.Random(11)
    # Cards are studied in order, each up to `per_card` times within the year, until the
    # log holds `reviews` rows: late starters and long intervals end a card's history early,
    # so a fixed card count would fall short of the requested size.
    per_card = 24
    rows: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    end = START + timedelta(days=days)
    made = 0
    for card_id in ids:
        if made >= reviews:
            break
        memory = MemoryState()
        when = START + timedelta(days=rng.uniform(0, days / 3), hours=rng.uniform(0, 8))
        for _ in range(per_card):
            if when >= end or made >= reviews:
                break
            rating = rng.choice(RATINGS)
            predicted = retrievability(memory, when, settings) if memory.state else None
            before = memory.to_json() | {"suspended": False, "leech": False,
                                         "buried_until": None}
            after = review(memory, rating, when, settings, card_seed(seed, card_id,
                                                                    memory.reps))
            rows.append({"card_id": card_id, "reviewed_at": when, "rating": rating,
                         "suggested_rating": None, "duration_ms": rng.randint(1500, 12000),
                         "response": None, "correct": None, "mode": "scheduled",
                         "prior_state": memory.state, "retrievability": predicted,
                         "state_before": before})
            memory = after
            made += 1
            assert memory.due is not None
            when = max(memory.due, when + timedelta(minutes=1))
        states.append({"id": card_id, "state": memory.state, "step": memory.step,
                       "stability": memory.stability, "difficulty": memory.difficulty,
                       "due": memory.due, "last_review": memory.last_review,
                       "reps": memory.reps, "lapses": memory.lapses})
    with col.store.write() as session:
        for start in range(0, len(rows), 20_000):
            session.execute(insert(reviews_t), rows[start:start + 20_000])
        if states:
            session.execute(update(Card), states)
    return {"db": str(db), "deck": str(deck), "notes": notes, "cards": len(ids),
            "reviews": made, "end": end.isoformat()}
