"""The deck's plain data types behave as the dataclasses they replaced."""

from __future__ import annotations

import copy
import pickle

import pytest

from quizzer.deck.cloze import Deletion
from quizzer.deck.model import DeckSpec, NoteSpec
from quizzer.deck.problems import Problem, Severity
from quizzer.deck.yamlsafe import Map, Scalar


def test_equality_is_by_type_and_fields() -> None:
    a = Scalar("x", True, 1, 2)
    assert a == Scalar("x", True, 1, 2, bad=False)
    assert a != Scalar("x", True, 1, 3)
    assert a != ("x", True, 1, 2, False)
    assert Map([], 1, 1) == Map([], 1, 1, keys={})


def test_defaults_are_not_shared_between_instances() -> None:
    one, two = DeckSpec("a.yaml", "a", "A"), DeckSpec("b.yaml", "b", "B")
    one.notes.append(NoteSpec(0, 1, 1, "basic", None, "#k", "p", {}))
    assert two.notes == []
    assert Map([], 1, 1).keys is not Map([], 1, 1).keys


def test_problem_ignores_its_source_line_in_equality_and_hash() -> None:
    a = Problem("d.yaml", 3, 4, "bad", "code", source_line="x: 1")
    b = Problem("d.yaml", 3, 4, "bad", "code", Severity.ERROR, None)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Problem("d.yaml", 3, 4, "bad", "code", Severity.WARNING)


def test_frozen_records_refuse_assignment() -> None:
    d = Deletion(1, "answer", None, 0, 10)
    with pytest.raises(AttributeError):
        d.group = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del d.answer  # type: ignore[misc]
    assert d.group == 1


def test_mutable_records_are_unhashable_and_have_no_instance_dict() -> None:
    s = Scalar("x", True, 1, 1)
    with pytest.raises(TypeError):
        hash(s)
    with pytest.raises(AttributeError):
        s.other = 1  # type: ignore[attr-defined]


def test_records_copy_pickle_and_repr_with_every_field() -> None:
    p = Problem("d.yaml", 3, 4, "bad", "code", Severity.WARNING, "x: 1")
    for clone in (copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert clone == p and clone.source_line == "x: 1"
    note = NoteSpec(0, 1, 1, "basic", "id1", "id1", "p", {"front": "p"}, ("t",), hint="h")
    assert pickle.loads(pickle.dumps(note)) == note
    assert repr(Deletion(1, "a", None, 0, 5)) == (
        "Deletion(group=1, answer='a', hint=None, start=0, end=5)"
    )
