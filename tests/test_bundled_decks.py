"""The bundled lesson decks and the complete example deck: content checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import BUNDLED, REPO, SHARED

from quizzer.deck import read_deck
from quizzer.deck.identity import normalize_prompt
from quizzer.deck.spec import CARD_TYPES, COMMON_CARD_FIELDS, DECK_FIELDS, TYPE_FIELDS

DECK_FILES = sorted(BUNDLED.glob("*.yaml"))
EXPECTED = {
    "genai-project-lifecycle.yaml",
    "model-hubs-and-model-cards.yaml",
    "pretraining-llms.yaml",
    "pretraining-objectives.yaml",
}
LESSON = "Pretraining large language models"


def load(path: Path):  # type: ignore[no-untyped-def]
    result = read_deck(path)
    assert result.deck is not None, "\n".join(p.format() for p in result.problems)
    return result


def test_the_four_decks_are_there() -> None:
    assert {p.name for p in DECK_FILES} == EXPECTED


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.stem)
def test_deck_is_strict_clean_and_big_enough(path: Path) -> None:
    result = load(path)
    assert result.problems == [], "\n".join(p.format() for p in result.problems)
    assert len(result.deck.notes) >= 15


def test_counts_and_variety() -> None:
    notes = [n for path in DECK_FILES for n in load(path).deck.notes]
    assert len(notes) >= 80
    kinds = set()
    for note in notes:
        if note.type == "basic":
            kinds.add("reverse" if note.fields["reverse"] else "basic")
        elif note.type == "choice":
            kinds.add("choice-many" if note.fields["multiple"] else "choice-one")
        else:
            kinds.add(note.type)
    assert kinds == {"basic", "reverse", "choice-one", "choice-many", "typed", "cloze", "order"}


def test_every_card_has_id_source_and_explain() -> None:
    for path in DECK_FILES:
        for note in load(path).deck.notes:
            where = f"{path.name}:{note.line}"
            assert note.id, where
            assert note.source and note.source.startswith(f"{LESSON} › "), where
            assert note.explain and len(note.explain) >= 20, where


def _lesson_sections() -> set[str]:
    facts = SHARED / "lesson" / "facts.md"
    if not facts.exists():
        pytest.skip("../shared/lesson/facts.md is not here (a user's clone)")
    names = set()
    for line in facts.read_text().splitlines():
        heading = re.match(r"^#{2,3}\s+(?:\d+\.\s*)?(.+?)\s*$", line)
        if not heading:
            continue
        text = heading.group(1)
        quoted = re.search(r'\(section "([^"]+)"\)', text)
        if quoted:
            names.add(quoted.group(1))
        names.add(re.sub(r"\s*\(.*\)$", "", text))
    names.discard("Summary table")
    return names


def test_every_source_names_a_real_lesson_section() -> None:
    sections = _lesson_sections()
    assert "Model hubs" in sections and "Generative AI project lifecycle" in sections
    for path in DECK_FILES:
        for note in load(path).deck.notes:
            section = (note.source or "").split(" › ", 1)[-1]
            assert section in sections, f"{path.name}:{note.line}: unknown section {section!r}"


def test_no_duplicate_prompts_across_decks() -> None:
    seen: dict[str, str] = {}
    for path in DECK_FILES:
        for note in load(path).deck.notes:
            key = f"{note.type}:{normalize_prompt(note.prompt)}"
            assert key not in seen, f"{path.name}:{note.line} repeats {seen[key]}"
            seen[key] = f"{path.name}:{note.line}"


def test_typed_answers_accept_the_usual_variants() -> None:
    accepted: dict[str, set[str]] = {}
    for path in DECK_FILES:
        for note in load(path).deck.notes:
            if note.type == "typed":
                answers = {note.fields["answer"], *note.fields.get("accept", ())}
                accepted[note.fields["answer"].casefold()] = {a.casefold() for a in answers}
    mlm = accepted.get("masked language modeling", set())
    assert "mlm" in mlm
    seq = next((v for k, v in accepted.items() if "seq" in k), set())
    assert {"seq2seq", "sequence-to-sequence"} <= seq


def test_example_deck_uses_every_feature() -> None:
    path = REPO / "examples" / "complete-deck.yaml"
    result = load(path)
    assert result.problems == [], "\n".join(p.format() for p in result.problems)
    import yaml

    raw = yaml.safe_load(path.read_text())
    assert {f.name for f in DECK_FIELDS} <= set(raw)
    used_fields = {key for card in raw["cards"] for key in card}
    every = {f.name for f in COMMON_CARD_FIELDS} | {
        f.name for t in CARD_TYPES for f in TYPE_FIELDS[t]
    }
    assert every <= used_fields, f"unused: {sorted(every - used_fields)}"
    assert {n.type for n in result.deck.notes} == set(CARD_TYPES)
    text = " ".join(n.fields.get("text", "") for n in result.deck.notes)
    assert "{{c1::" in text and "::" in text.replace("{{c1::", "")
    assert any(
        "```" in (n.fields.get("front") or n.fields.get("question") or "")
        or "```" in (n.fields.get("back") or "")
        for n in result.deck.notes
    )
