"""Card identity: the canonical JSON that content hashes are made from must not drift,
or every card of a re-imported deck would look edited."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from quizzer.deck.identity import canonical_json, content_hash
from quizzer.deck.loader import parse_deck_bytes

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_canonical_json_is_what_json_dumps_makes(data: dict) -> None:
    expected = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(data) == expected


def test_hashes_are_stable_across_releases() -> None:
    # Fixed values: a change here changes the identity of every stored card's content.
    assert content_hash({"front": "Q", "back": "A"}) == "45c3d7f71d7860b310ea"
    deck = b"deck: d\ntitle: T\ncards:\n  - id: a\n    front: \xc3\xa9t\xc3\xa9?\n    back: yes\n"
    result = parse_deck_bytes("d.yaml", deck)
    assert result.deck is not None
    (card,) = result.deck.study_cards()
    assert card.data_json == '{"back":"yes","front":"été?"}'
    assert card.content_hash == content_hash(card.data) == "0a0957f70fe335c9ce69"
