"""CardText shows plain prose and plain lists in Statics only when Markdown would show
the same."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console
from textual.widgets import Static

from quizzer.tui.safe import plain_paragraphs

_PARSER = MarkdownIt("gfm-like")


def drawn_spaces(text: str) -> str:
    """``text`` as Textual's Markdown draws it: a run of spaces as one."""
    return re.sub("  +", " ", text)


def markdown_paragraphs(text: str) -> list[str] | None:
    """The paragraphs of ``text`` as Textual's Markdown parser reads them, or None when
    it finds anything but paragraphs of plain text (soft breaks render as spaces, runs
    of spaces are drawn as one)."""
    out: list[str] = []
    for token in _PARSER.parse(text):
        if token.type in ("paragraph_open", "paragraph_close"):
            continue
        if token.type != "inline":
            return None
        words = []
        for child in token.children or []:
            if child.type == "text":
                words.append(child.content)
            elif child.type == "softbreak":
                words.append(" ")
            else:
                return None
        out.append(drawn_spaces("".join(words)))
    return out


#: Prose with the characters that make Markdown more than text, and spacing.
_ALPHABET = "abco xyz.,;:?-+=*_#>`[]()<>&!|~\\/@01)\n\t\r\x00\xa0\u3000é"


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_plain_text_is_exactly_what_markdown_would_show(text: str) -> None:
    paragraphs = plain_paragraphs(text)
    if paragraphs is not None:
        assert paragraphs == markdown_paragraphs(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does BERT mask?", ["What does BERT mask?"]),
        ("One line\nwraps on\n\nTwo", ["One line wraps on", "Two"]),
        ("  leading spaces dropped \n next", ["leading spaces dropped next"]),
        ("", []),
        ("**bold**", None),
        ("- a list", None),
        ("1. first", None),
        ("    code", None),
        ("see https://huggingface.co", None),
        ("the hub at huggingface.co", None),
        ("GPT-3.5 has 175B parameters", ["GPT-3.5 has 175B parameters"]),
        ("a &amp; b", None),
        ("hard  \nbreak", None),
        ("Heading\n===", None),
        ("The model's [...] are updated", ["The model's [...] are updated"]),  # cloze
        ("[...] uses masked tokens", ["[...] uses masked tokens"]),
        ("see [the hub](hf.co)", None),
        ("[hub]: /url\n\nsee [hub]", None),
        ("a  b   c", ["a b c"]),  # drawn as one space
        ("see http://localhost:8000", None),  # linked
        ("write to MAILTO:a@localhost", None),
    ],
)
def test_plain_paragraphs(text: str, expected: list[str] | None) -> None:
    assert plain_paragraphs(text) == expected


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Why is its context **unidirectional**?", "Why is its context unidirectional?"),
        ("Run `pip install` from [the hub](https://hf.co)", "Run pip install from the hub"),
        ("one\ntwo\n\n- three\n- four", "one two three four"),
        ("[@click=app.quit]boom", "[@click=app.quit]boom"),
    ],
)
def test_browse_shows_a_prompts_words_without_its_markdown_marks(source, shown):
    from quizzer.tui.safe import markdown_words

    assert markdown_words(source) == shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1. -*_`#>\n[]()&:", max_size=40))
def test_browse_words_skip_the_parse_only_where_it_reads_the_same(text: str) -> None:
    """markdown_words takes plain prose as it is; markdown-it reads it the same."""
    from quizzer.tui.safe import _parsed_words, markdown_words

    assert markdown_words(text) == _parsed_words(text)


def markdown_list(text: str) -> tuple[int | None, list[str]] | None:
    """``(start, items)`` when Textual's Markdown parser reads ``text`` as one tight list
    of plain one-line items (start None for bullets), else None."""
    tokens = _PARSER.parse(text)
    if len(tokens) < 2 or tokens[0].type not in ("bullet_list_open", "ordered_list_open"):
        return None
    start = None
    if tokens[0].type == "ordered_list_open":
        start = int(tokens[0].attrGet("start") or 1)
    items = []
    body = tokens[1:-1]
    if tokens[-1].type != tokens[0].type.replace("_open", "_close") or len(body) % 5:
        return None
    for index in range(0, len(body), 5):
        item_open, para_open, inline, para_close, item_close = body[index : index + 5]
        if (item_open.type, para_open.type, inline.type, para_close.type, item_close.type) != (
            "list_item_open",
            "paragraph_open",
            "inline",
            "paragraph_close",
            "list_item_close",
        ):
            return None
        if not para_open.hidden or any(c.type != "text" for c in inline.children or []):
            return None
        items.append(drawn_spaces("".join(c.content for c in inline.children or [])))
    return start, items


#: Lists, and what looks like one: markers, numbers, spacing, nesting, marks.
_LIST_ALPHABET = "ab -+*1290.)\n#>`_=\t[]:/"


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["- ", "+ ", "* ", "1. ", "2) ", "10. ", "-", " - ", ""]),
            st.text(alphabet=_LIST_ALPHABET, max_size=12),
        ),
        min_size=1,
        max_size=5,
    ).map(lambda rows: "\n".join(mark + item for mark, item in rows))
)
def test_a_plain_list_is_exactly_what_markdown_would_show(text: str) -> None:
    """Whenever plain_list takes a text, markdown-it reads the same items in the same
    order, numbered from the same start."""
    from quizzer.tui.safe import plain_list

    rows = plain_list(text)
    if rows is None:
        return
    parsed = markdown_list(text)
    assert parsed is not None, text
    start, items = parsed
    assert [item for _, item in rows] == items
    if start is None:
        assert all(bullet == "• " for bullet, _ in rows)
    else:
        assert [bullet.strip() for bullet, _ in rows] == [
            f"{n}." for n in range(start, start + len(items))
        ]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("- beta", [("• ", "beta")]),
        ("- a\n- b\n", [("• ", "a"), ("• ", "b")]),
        ("1. one\n2. two", [(" 1. ", "one"), (" 2. ", "two")]),
        ("9. a\n3. b", [("  9. ", "a"), (" 10. ", "b")]),
        ("1) x", [(" 1. ", "x")]),
        ("- a  b", [("• ", "a b")]),  # drawn as one space
        ("- [Setup]: install", None),  # a label definition, not an item
        ("- see http://localhost", None),  # linked
        ("- a\n+ b", None),  # another bullet: another list
        ("- a\n\n- b", None),  # loose
        ("- a\nb", None),  # a lazy line
        ("- - a", None),  # nested
        ("-a", None),
        ("- **a**", None),
        ("- a  ", None),
        (" - a", None),
        ("* a", None),
        ("plain prose", None),
    ],
)
def test_plain_list(text: str, rows: list[tuple[str, str]] | None) -> None:
    from quizzer.tui.safe import plain_list

    assert plain_list(text) == rows


DRAWN = [
    "- Masked language modeling",
    "- Translation\n- Summarization",
    "1. Scope\n2. Select\n3. Adapt\n4. Integrate",
    "8. eight\n9. nine\n10. ten",
    "- " + ("a long item that wraps on the screen, " * 4).strip(),
    "1. " + ("another long one to wrap under its number, " * 3).strip() + "\n2. short",
    "- a  b   c",  # runs of spaces are drawn as one
    "The model's [...] are updated to [...]  the loss.",  # a cloze prompt
    "Prose [x] with [link] text\nand a second line [y]",
    # Not plain: Markdown shows these otherwise (a label defined, a link made).
    "1. [Setup]: install\n2. [Train]: fit",
    "- [a]: /u\n- see [a]",
    "see http://localhost:8000 now",
    "- mailto:a@localhost",
]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_plain_text_is_drawn_as_markdown_draws_it(theme: str, monkeypatch) -> None:
    """Each text, in the answer and the explanation, draws the same cells (characters,
    colours, styles) through CardText's Statics as through Textual's Markdown."""
    from textual.app import App, ComposeResult

    from quizzer.tui import app as app_module
    from quizzer.tui.widgets import card_text
    from quizzer.tui.widgets.card_text import CardText

    class Cards(App[None]):
        CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

        def compose(self) -> ComposeResult:
            yield CardText(id="answer")
            yield CardText(id="explain")

    async def drawn(text: str, fast: bool) -> str:
        if not fast:
            monkeypatch.setattr(card_text, "plain_list", lambda text: None)
            monkeypatch.setattr(card_text, "plain_paragraphs", lambda text: None)
        app = Cards()
        async with app.run_test(size=(60, 30)) as pilot:
            app.theme = theme
            for widget in app.query(CardText):
                await widget.update(text)
            await pilot.pause()
            markdown = app.query_one("#answer .card-markdown")
            if not fast:
                assert markdown.display  # the path compared with was taken
            console = Console(
                width=60,
                height=30,
                file=io.StringIO(),
                record=True,
                force_terminal=True,
                color_system="truecolor",
            )
            console.print(app.screen._compositor.render_update(full=True))
            shown = console.export_text(styles=True)
        monkeypatch.undo()
        return shown

    for text in DRAWN:
        assert await drawn(text, fast=True) == await drawn(text, fast=False), text


async def test_list_rows_are_kept_and_hidden_between_texts() -> None:
    """A longer list mounts the rows it lacks; a shorter one hides the rest; prose and
    Markdown hide the list."""
    from textual.app import App, ComposeResult

    from quizzer.tui.widgets.card_text import CardText

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield CardText()

    app = One()
    async with app.run_test() as pilot:
        card = app.query_one(CardText)
        rows = card.query_one(".card-list")
        await card.update("1. a\n2. b\n3. c")
        first = list(rows.children)
        await card.update("- x")
        await pilot.pause()
        assert list(rows.children) == first
        assert [row.display for row in rows.children] == [True, False, False]
        assert "x" in str(first[0].query(Static).last().render())
        await card.update("plain words")
        assert not rows.display and card.query_one(".card-plain").display
        await card.update("**marked**")
        assert not rows.display and card.query_one(".card-markdown").display
