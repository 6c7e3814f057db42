"""The starter deck written by ``quizzer new``."""

from __future__ import annotations

import json
import re

__all__ = ["starter_deck"]

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A quizzer deck: one file is one deck. Check it with:  quizzer check {filename}
# The full reference is docs/deck-format.md; `quizzer schema` prints the JSON Schema.
format: 1
deck: {slug}                 # stable id: review history is tied to it, so keep it
title: {title}
description: What this deck teaches, in a sentence or two.
source: "My course › Chapter 1"   # the lesson section every card comes from
tags: [starter]

cards:
  # basic (the default type): a front and a back. `reverse: true` adds back→front.
  - id: capital-of-france     # an id keeps a card's history when you edit its text
    front: What is the capital of France?
    back: Paris
    explain: Paris has been the capital since the 10th century.
    reverse: true

  # choice: one right answer (`answer:`) or several (`answers: [...]`).
  - id: prime-numbers
    type: choice
    question: Which of these numbers are prime?
    choices: ["2", "4", "7", "9"]
    answers: ["2", "7"]
    explain: 2 and 7 have no divisors but 1 and themselves; 4 = 2×2 and 9 = 3×3.

  # typed: the learner types the answer; `accept:` lists other right answers.
  - id: water-formula
    type: typed
    question: What is the chemical formula of water?
    answer: H2O
    accept: [H₂O]
    explain: Two hydrogen atoms bond to one oxygen atom.

  # cloze: each {{{{...}}}} becomes its own card; {{{{answer::hint}}}} shows a hint.
  - id: photosynthesis
    type: cloze
    text: Plants turn light into chemical energy by {{{{photosynthesis::a process}}}}.
    explain: Photosynthesis stores the energy of light in sugars.

  # order: write the items in the right order; they are shown shuffled.
  - id: planets-order
    type: order
    question: Put these planets in order from the Sun.
    items: [Mercury, Venus, Earth, Mars]
    explain: Mercury is closest to the Sun, then Venus, Earth and Mars.
"""


def starter_deck(filename: str, schema: str = "deck.schema.json") -> str:
    """A commented deck named after ``filename`` that passes ``quizzer check --strict``."""
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "my-deck"
    title = stem.replace("-", " ").replace("_", " ").strip().capitalize() or "My deck"
    title = json.dumps(title, ensure_ascii=False)  # a JSON string is a valid YAML scalar
    return _TEMPLATE.format(slug=slug, title=title, filename=filename, schema=schema)
