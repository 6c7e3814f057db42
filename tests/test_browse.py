"""Browse's search, against a plain reference: every card read whole and each term
tested in Python, as the search language says.

The search puts most terms into SQL and rules cards out on their stored JSON text
before decoding them; this holds it to the same answers on cards whose text is hard to
match (case folding that turns non-ASCII into ASCII, quotes, backslashes, escapes,
accents), on both backends.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizzer import Collection, Rating
from quizzer.browse import BrowseError
from quizzer.store.models import cards_t, decks_t
from quizzer.study import repo

pytestmark = pytest.mark.backends

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

#: key, front, back, tags: texts a search can get wrong.
HARD = [
    ("kelvin", "The \u212a sign", "Kelvin", ["a"]),
    ("ligature", "A \ufb01le", "Stra\u00dfe", ["b", "a"]),
    ("quotes", 'Say "inside" then back\\slash', "tab\there", []),
    ("plain", "Plain ASCII prompt", "Another answer", ["c"]),
    ("accent", "\u00c9clair", "caf\u00e9", ["a"]),
    ("escape", "line\nbreak and more", "e", ["c"]),
    ("upper", "UPPER lower MiXeD", "answer", []),
    ("cjk", "\u6f22\u5b57 kanji", "\u304b\u306a", ["b"]),
]
OTHER = [("o1", "Other deck prompt", "file", ["a"]), ("o2", "Second other", "strasse", [])]

WORDS = [
    "k", "K", "file", "\ufb01le", "strasse", "stra\u00dfe", "inside", '"inside"',
    "back\\slash", "tab", "caf\u00e9", "\u00e9clair", "ascii prompt", "answer", "zz", "e",
    "accent", "\u6f22", "mixed", "upper lower", "break and",
]  # fmt: skip
TERMS = [
    "deck:d", "deck:o", "tag:a", "tag:b", "tag:c", "tag:none", "type:basic",
    "is:new", "is:review", "is:learning", "is:due", "is:suspended", "is:leech",
    "is:buried", "is:retired",
]  # fmt: skip


def deck_yaml(slug: str, cards: list[tuple[str, str, str, list[str]]]) -> str:
    return yaml.safe_dump(
        {
            "deck": slug,
            "title": slug.upper(),
            "cards": [
                {"id": key, "front": front, "back": back, **({"tags": tags} if tags else {})}
                for key, front, back, tags in cards
            ],
        },
        allow_unicode=False,
    )


@pytest.fixture
def searched(col: Collection, tmp_path: Path) -> Collection:
    """Two decks; some cards studied, one suspended, one buried, one retired."""
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "d.yaml").write_text(deck_yaml("d", [*HARD, ("gone", "Gone", "x", [])]))
    (folder / "o.yaml").write_text(deck_yaml("o", OTHER))
    assert not col.import_decks([folder], now=NOW - timedelta(days=3)).problems
    col.set_setting("timezone", "UTC")
    col.set_setting("fuzz", False)
    session = col.study(deck="d", now=NOW - timedelta(days=2))
    ratings = [Rating.EASY, Rating.GOOD, Rating.AGAIN, Rating.EASY]
    for rating in ratings:
        card = session.next_card(now=NOW - timedelta(days=2))
        assert card is not None
        session.answer(card, rating=rating, now=NOW - timedelta(days=2))
    ahead = col.study(deck="d", mode="ahead", now=NOW - timedelta(days=1))
    card = ahead.next_card(now=NOW - timedelta(days=1))
    assert card is not None and card.state == 2
    ahead.answer(card, rating=Rating.AGAIN, now=NOW - timedelta(days=1))  # relearning
    ids = {r.key: r.id for r in col.browse("", now=NOW)}
    assert {r.state for r in col.browse("", now=NOW)} == {"new", "learning", "review", "relearning"}
    col.suspend([ids["plain"]])
    col.bury([ids["cjk"]], now=NOW)
    (folder / "d.yaml").write_text(deck_yaml("d", HARD))
    assert (
        sum(f.retired for f in col.import_decks([folder], now=NOW - timedelta(days=1)).files) == 1
    )
    return col


def reference(col: Collection, query: list[tuple[str, bool]]) -> list[str]:
    """The keys a search for ``query`` ((term or word, negated) pairs) should give."""
    with col.store.read() as session:
        rows = session.execute(
            select(cards_t, decks_t.c.slug)
            .join(decks_t)
            .order_by(decks_t.c.title, cards_t.c.position)
        ).all()
        ends = {s: repo.day_for(repo.deck_settings(session, s), NOW).end for s in ("d", "o")}
    wants_retired = ("is:retired", False) in query
    out = []
    for row in rows:
        if row.retired_at is not None and not wants_retired:
            continue
        state = {0: "new", 2: "review"}.get(row.state, "learning")
        facts = {f"deck:{row.slug}", f"type:{row.type}", f"is:{state}"}
        facts |= {f"tag:{tag}" for tag in row.data.get("tags", ())}
        if row.state != 0 and row.due is not None and row.due < ends[row.slug]:
            facts.add("is:due")
        for flag in ("suspended", "leech"):
            if getattr(row, flag):
                facts.add(f"is:{flag}")
        if row.buried_until is not None and row.buried_until > NOW:
            facts.add("is:buried")
        if row.retired_at is not None:
            facts.add("is:retired")
        text = f"{row.data['front']} {row.data['back']} {row.key}".casefold()
        if all(
            ((part in facts) if part in TERMS else (part.casefold() in text)) != negated
            for part, negated in query
        ):
            out.append(row.key)
    return out


def search(col: Collection, query: list[tuple[str, bool]], limit: int | None = None) -> list[str]:
    text = shlex.join([("-" if negated else "") + part for part, negated in query])
    return [row.key for row in col.browse(text, now=NOW, limit=limit)]


def test_every_term_alone_and_negated(searched: Collection) -> None:
    for part in TERMS + WORDS:
        for negated in (False, True):
            query = [(part, negated)]
            assert search(searched, query) == reference(searched, query), query


def test_the_hard_words_are_found(searched: Collection) -> None:
    """Case folding as Python does it: the Kelvin sign is a k, the ligature an fi, ß is
    ss; quotes, backslashes and escaped characters are found as written."""
    assert "kelvin" in search(searched, [("k", False)])
    assert search(searched, [("file", False)]) == ["ligature", "o1"]
    assert search(searched, [("strasse", False)]) == ["ligature", "o2"]
    assert search(searched, [('"inside"', False)]) == ["quotes"]
    assert search(searched, [("back\\slash", False)]) == ["quotes"]
    assert search(searched, [("line", False)]) == ["escape"]
    assert search(searched, [("\u00e9clair", False)]) == ["accent"]


def test_searches_agree_with_the_reference(searched: Collection) -> None:
    part = st.tuples(st.sampled_from(TERMS + WORDS), st.booleans())

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(part, min_size=1, max_size=4))
    def agree(query: list[tuple[str, bool]]) -> None:
        expected = reference(searched, query)
        assert search(searched, query) == expected
        assert search(searched, query, limit=2) == expected[:2]

    agree()


def test_bad_queries_say_why(searched: Collection) -> None:
    for bad, why in [("is:nothing", "unknown 'is:nothing'"), ('"open', "cannot read"),
                     ("tag:", "needs a value")]:  # fmt: skip
        with pytest.raises(BrowseError, match=why):
            searched.browse(bad, now=NOW)


def test_many_word_matches_are_all_returned(col: Collection, tmp_path: Path) -> None:
    """More matches than one statement can take as bound ids (they are fetched in
    chunks), in deck and file order."""
    cards = [(f"c{i:04d}", f"Question {i}", "needle", []) for i in range(1300)]
    (tmp_path / "big.yaml").write_text(deck_yaml("big", cards))
    assert not col.import_decks([tmp_path / "big.yaml"], now=NOW).problems
    keys = [row.key for row in col.browse("needle", now=NOW)]
    assert keys == [key for key, *_ in cards]
    assert [row.key for row in col.browse("needle -c0001", now=NOW, limit=3)] == [
        "c0000",
        "c0002",
        "c0003",
    ]


@pytest.mark.backends("sqlite")
def test_is_due_over_more_decks_than_sqlite_nests(col: Collection, tmp_path: Path) -> None:
    """``is:due`` compares each deck's cards with that deck's end of day: one term per
    end, not per deck (a chain of 1,001 ORs is deeper than SQLite parses)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1001):
        (folder / f"d{i}.yaml").write_text(deck_yaml(f"d{i}", [("a", f"Q{i}", "A", [])]))
    assert not col.import_decks([folder], now=NOW - timedelta(days=2)).problems
    session = col.study(deck="d7", now=NOW - timedelta(days=2))
    card = session.next_card(now=NOW - timedelta(days=2))
    assert card is not None
    session.answer(card, rating=Rating.AGAIN, now=NOW - timedelta(days=2))
    assert [r.deck for r in col.browse("is:due", now=NOW)] == ["d7"]
    assert len(col.browse("-is:due", now=NOW)) == 1000


def test_order_is_total_so_a_limit_takes_the_first_rows(col: Collection, tmp_path: Path) -> None:
    """Two decks with one title, cards at the same positions: the order still decides
    every pair, so a word search lists what the same search without the word lists,
    and ``limit=n`` gives its first n rows."""
    for slug in ("b", "a"):
        text = yaml.safe_dump(
            {
                "deck": slug,
                "title": "Same title",
                "cards": [{"id": f"c{i}", "front": f"strasse {i}", "back": "x"} for i in range(4)],
            }
        )
        (tmp_path / f"{slug}.yaml").write_text(text)
    assert not col.import_decks([tmp_path], now=NOW).problems
    everything = [(r.deck, r.key) for r in col.browse("", now=NOW)]
    assert [(r.deck, r.key) for r in col.browse("strasse", now=NOW)] == everything
    for n in range(1, 8):
        assert [(r.deck, r.key) for r in col.browse("strasse", now=NOW, limit=n)] == everything[:n]
