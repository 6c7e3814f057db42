"""Import: identity across edits, retire/restore, relink, atomicity, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import NOW, write_deck
from pgdb import raw_rows
from sqlalchemy import insert, select

from quizzer.collection import Collection
from quizzer.importer import RelinkError
from quizzer.store.models import Card, Review

pytestmark = pytest.mark.backends

DECK = """\
deck: demo
title: Demo
cards:
  - id: hub
    front: What do model hubs let you do?
    back: Browse curated models
  - front: Which objective pre-trains BERT?
    back: Masked language modeling
    reverse: true
  - type: cloze
    text: "T5 uses {{sentinel tokens}} for {{spans}}."
"""


def cards(col: Collection) -> dict[str, tuple[int, str | None, dict]]:
    """key → (row id, retired_at, data)."""
    with col.store.read() as session:
        rows = session.execute(select(Card.id, Card.key, Card.retired_at, Card.data)).all()
    return {r.key: (r.id, r.retired_at, r.data) for r in rows}


def add_review(col: Collection, card_id: int) -> None:
    with col.store.write() as session:
        session.execute(
            insert(Review).values(
                card_id=card_id,
                reviewed_at=NOW,
                rating=3,
                duration_ms=1000,
                mode="scheduled",
                state_before={"state": 0},
            )
        )


def dump(db: Path | str) -> list[tuple]:
    out: list[tuple] = []
    for table in ("decks", "deck_sources", "cards", "reviews", "settings"):
        out += [(table, *row) for row in raw_rows(db, f"SELECT * FROM {table} ORDER BY 1")]
    return out


def test_first_import_adds_every_card(col: Collection, tmp_path: Path) -> None:
    path = write_deck(tmp_path / "decks", "demo.yaml", DECK)
    report = col.import_decks([path], now=NOW)
    assert report.total("added") == 5  # hub, bert + reverse, two cloze deletions
    keys = set(cards(col))
    assert "hub" in keys
    assert sum(k.endswith("/reverse") for k in keys) == 1
    assert sum(k.endswith(("/c1", "/c2")) for k in keys) == 2


def test_reimport_of_unchanged_files_is_a_no_op(
    col: Collection, tmp_path: Path, db: Path | str
) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "demo.yaml", DECK)
    col.import_decks([folder], now=NOW)
    before = dump(db)
    report = col.import_decks([folder])
    assert report.files[0].status == "unchanged"
    assert report.total("unchanged") == 5
    assert not report.changed
    assert dump(db) == before


def test_editing_text_keeps_history(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "demo.yaml", DECK)
    col.import_decks([folder], now=NOW)
    before = cards(col)
    edited = DECK.replace("Browse curated models", "Browse and download curated models")
    edited = edited.replace("Which objective pre-trains BERT?", "which objective  pre-trains BERT")
    write_deck(folder, "demo.yaml", edited)
    report = col.import_decks([folder])
    after = cards(col)
    assert report.total("added") == 0 and report.total("retired") == 0
    assert report.total("updated") == 3  # hub's back, and the BERT card + its reverse
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert after["hub"][2]["back"] == "Browse and download curated models"


def test_removed_card_is_retired_and_restored_with_history(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "demo.yaml", DECK)
    col.import_decks([folder], now=NOW)
    hub_id = cards(col)["hub"][0]
    add_review(col, hub_id)
    without = DECK.replace(
        "  - id: hub\n    front: What do model hubs let you do?\n    back: Browse curated models\n",
        "",
    )
    write_deck(folder, "demo.yaml", without)
    report = col.import_decks([folder])
    assert report.total("retired") == 1
    assert cards(col)["hub"][1] is not None
    assert col.decks()[0].cards == 4 and col.decks()[0].retired == 1
    write_deck(folder, "demo.yaml", DECK)
    report = col.import_decks([folder])
    assert report.total("restored") == 1
    restored = cards(col)["hub"]
    assert restored[0] == hub_id and restored[1] is None
    with col.store.read() as session:
        assert session.execute(select(Review.card_id)).scalars().all() == [hub_id]


def test_edited_idless_prompt_is_offered_for_relink(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "demo.yaml", DECK)
    col.import_decks([folder], now=NOW)
    old = cards(col)
    old_key = next(k for k in old if k.startswith("#") and "/" not in k)
    add_review(col, old[old_key][0])
    add_review(col, old[old_key + "/reverse"][0])
    write_deck(
        folder,
        "demo.yaml",
        DECK.replace(
            "Which objective pre-trains BERT?", "Which training objective pre-trains BERT?"
        ),
    )
    report = col.import_decks([folder])
    assert report.total("added") == 2 and report.total("retired") == 2
    assert len(report.candidates) == 1
    candidate = report.candidates[0]
    assert candidate.old_key == old_key and candidate.reviews == 2
    # Running again with --relink works although the file is unchanged.
    report = col.import_decks([folder], relink=True)
    assert [c.old_key for c in report.relinked] == [old_key]
    after = cards(col)
    new_key = candidate.new_key
    assert after[new_key][0] == old[old_key][0]  # same row: same history
    assert after[new_key + "/reverse"][0] == old[old_key + "/reverse"][0]
    assert after[new_key][1] is None
    assert old_key not in after
    assert col.import_decks([folder]).candidates == []


def test_relink_by_hand_and_its_errors(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "demo.yaml", DECK)
    col.import_decks([folder], now=NOW)
    old = cards(col)
    old_key = next(k for k in old if k.startswith("#") and k.endswith("/c1"))[:-3]
    add_review(col, old[old_key + "/c1"][0])
    write_deck(folder, "demo.yaml", DECK.replace("T5 uses", "The T5 model uses"))
    col.import_decks([folder])
    new_key = next(k for k in cards(col) if k.endswith("/c1") and not k.startswith(old_key))
    new_key = new_key[:-3]
    with pytest.raises(RelinkError, match="still in its deck file"):
        col.relink("demo", "hub", new_key)
    with pytest.raises(RelinkError, match="no deck"):
        col.relink("nope", old_key, new_key)
    with pytest.raises(RelinkError, match="no card"):
        col.relink("demo", "#000000000000", new_key)
    add_review(col, cards(col)[new_key + "/c2"][0])
    with pytest.raises(RelinkError, match="already has 1 review"):
        col.relink("demo", old_key, new_key)
    with col.store.write() as session:
        session.execute(
            Review.__table__.delete().where(  # type: ignore[attr-defined]
                Review.card_id == cards(col)[new_key + "/c2"][0]
            )
        )
    col.relink("demo", old_key, new_key)
    assert cards(col)[new_key + "/c1"][0] == old[old_key + "/c1"][0]


def test_a_failure_mid_import_changes_nothing(
    col: Collection, tmp_path: Path, db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", DECK)
    col.import_decks([folder], now=NOW)
    before = dump(db)
    write_deck(folder, "a.yaml", DECK.replace("Browse curated", "Find curated"))
    write_deck(folder, "b.yaml", DECK.replace("deck: demo", "deck: other"))
    import quizzer.importer as importer

    real = importer._sync_deck
    calls = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise OSError("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_sync_deck", failing)
    with pytest.raises(OSError, match="injected"):
        col.import_decks([folder])
    assert len(calls) == 2
    assert dump(db) == before


def test_broken_file_is_skipped_and_keeps_its_last_good_version(
    col: Collection, tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", DECK)
    col.import_decks([folder], now=NOW)
    write_deck(folder, "a.yaml", DECK + "  - front: [unclosed\n")
    write_deck(folder, "b.yaml", DECK.replace("deck: demo", "deck: other"))
    report = col.import_decks([folder])
    assert report.errors and report.errors[0].path.endswith("a.yaml")
    assert {f.status for f in report.files} == {"error", "imported"}
    assert sorted(d.slug for d in col.decks()) == ["demo", "other"]
    assert next(d for d in col.decks() if d.slug == "demo").cards == 5


def test_two_files_with_one_deck_id(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", DECK)
    write_deck(folder, "b.yaml", DECK)
    report = col.import_decks([folder])
    assert [p.code for p in report.errors] == ["duplicate-deck"]
    assert len(col.decks()) == 1


def test_deleted_file_retires_its_deck(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", DECK)
    write_deck(folder, "b.yaml", DECK.replace("deck: demo", "deck: other"))
    col.import_decks([folder], now=NOW)
    (folder / "b.yaml").unlink()
    report = col.import_decks([folder])
    removed = [f for f in report.files if f.status == "removed"]
    assert len(removed) == 1 and removed[0].retired == 5
    other = next(d for d in col.decks() if d.slug == "other")
    assert other.cards == 0 and other.retired == 5


def test_renamed_file_keeps_the_deck(col: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", DECK)
    col.import_decks([folder], now=NOW)
    ids = {k: v[0] for k, v in cards(col).items()}
    (folder / "a.yaml").rename(folder / "renamed.yaml")
    report = col.import_decks([folder])
    assert report.total("retired") == 0 and report.total("added") == 0
    assert {k: v[0] for k, v in cards(col).items()} == ids
    assert col.decks()[0].path is not None and col.decks()[0].path.endswith("renamed.yaml")
