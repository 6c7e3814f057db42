"""Read untrusted YAML into a small node tree that remembers where everything was.

Only libyaml's parser (or PyYAML's pure-Python one when libyaml is missing) is used,
through its event stream: nothing is ever constructed from tags, so no Python object
can be made from a deck. Every scalar is kept as the text the author wrote, so an
answer of ``no``, ``1.10`` or ``~`` stays exactly that; the validator decides what a
field's text means.

Rejected here, each as a :class:`~quizzer.deck.problems.Problem` with a position:
invalid UTF-8, control characters, tabs in indentation, anchors, aliases, merge keys,
explicit tags, duplicate keys, several documents, an empty file, a root that is not a
mapping, nesting deeper than :data:`MAX_DEPTH`, fields longer than
:data:`MAX_FIELD_CHARS` and files larger than :data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import re

import yaml

from quizzer.deck.problems import Problem
from quizzer.deck.record import Record

try:  # libyaml is much faster; fall back to the pure-Python parser when absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "Map",
    "Node",
    "Scalar",
    "Seq",
    "SourceText",
    "parse_yaml",
]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FIELD_CHARS = 20_000
MAX_DEPTH = 16

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
#: A line that starts with a tab and has content: never valid in a deck, where every
#: nested line is indented with spaces. libyaml reports the other cases itself.
_TAB_INDENT = re.compile(r"^\t[ \t]*\S", re.MULTILINE)
#: Line breaks as an editor shows them. libyaml also breaks lines at U+2028, U+2029 and
#: a lone CR, so positions are computed from its character index instead (``Locator``).
_LINE_BREAK = re.compile("\r?\n")
#: What libyaml breaks lines at besides ``\n`` and ``\r\n`` (U+0085 never gets this far:
#: it is a control character, replaced on decoding).
_ODD_BREAK = re.compile("\r(?!\n)|[\u2028\u2029]")
#: Problems of one kind reported per file before the rest are summarised.
_MAX_REPEATS = 20


class Scalar(Record):
    """A scalar as written: ``plain`` is False for quoted and block scalars."""

    _fields = ("value", "plain", "line", "col", "bad")
    __slots__ = _fields
    value: str
    plain: bool
    line: int
    col: int
    bad: bool

    def __init__(self, value: str, plain: bool, line: int, col: int, bad: bool = False):
        self.value = value
        self.plain = plain
        self.line = line
        self.col = col
        self.bad = bad

    @property
    def is_null(self) -> bool:
        """An empty plain scalar (``key:`` with nothing after it)."""
        return self.plain and self.value == ""


class Seq(Record):
    """A sequence (``- a`` or ``[a, b]``)."""

    _fields = ("items", "line", "col", "bad")
    __slots__ = _fields
    items: list[Node]
    line: int
    col: int
    bad: bool

    def __init__(self, items: list[Node], line: int, col: int, bad: bool = False) -> None:
        self.items = items
        self.line = line
        self.col = col
        self.bad = bad


class Map(Record):
    """A mapping. Keys are scalars; duplicates have already been reported."""

    _fields = ("pairs", "line", "col", "bad", "keys")
    __slots__ = _fields
    pairs: list[tuple[Scalar, Node]]
    line: int
    col: int
    bad: bool
    keys: dict[str, int]

    def __init__(
        self,
        pairs: list[tuple[Scalar, Node]],
        line: int,
        col: int,
        bad: bool = False,
        keys: dict[str, int] | None = None,
    ) -> None:
        self.pairs = pairs
        self.line = line
        self.col = col
        self.bad = bad
        self.keys = {} if keys is None else keys

    def get(self, key: str) -> Node | None:
        """The value under ``key``, or None."""
        index = self.keys.get(key)
        return None if index is None else self.pairs[index][1]

    def key(self, key: str) -> Scalar | None:
        """The key node ``key`` itself (for pointing at a field), or None."""
        index = self.keys.get(key)
        return None if index is None else self.pairs[index][0]


Node = Scalar | Seq | Map


class SourceText:
    """The decoded text of a file, with fast access to its lines for error messages."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self._lines: list[str] | None = None
        self._pos = (0, 1, 0)  # (index, line, index where that line starts)

    def locate(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of character ``index``, counting only ``\n`` as a line
        break. Fast for increasing indexes, as a parse produces them."""
        start, line, line_start = self._pos
        if index < start:
            start, line, line_start = 0, 1, 0
        text = self.text
        line += text.count("\n", start, index)
        newline = text.rfind("\n", start, index)
        if newline >= 0:
            line_start = newline + 1
        self._pos = (index, line, line_start)
        return line, index - line_start + 1

    def mark(self, mark: Any) -> tuple[int, int]:
        """(line, column) of a YAML mark, from its character index when it has one."""
        index = getattr(mark, "index", None)
        if isinstance(index, int) and 0 <= index <= len(self.text):
            return self.locate(index)
        return mark.line + 1, mark.column + 1

    def line(self, number: int) -> str | None:
        """The 1-based line ``number``, or None when out of range."""
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.text)
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return None

    def problem(
        self, line: int, col: int, message: str, code: str, warning: bool = False
    ) -> Problem:
        """A problem at 1-based ``line``/``col`` with the source line attached."""
        from quizzer.deck.problems import Severity

        return Problem(
            self.path,
            line,
            col,
            message,
            code,
            Severity.WARNING if warning else Severity.ERROR,
            self.line(line) if line > 0 else None,
        )


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", "replace")) + 1
    return line, col


def _describe_char(char: str) -> str:
    code = ord(char)
    names = {0: "NUL", 0x1B: "ESC (escape sequence)", 0x7F: "DEL", 0xFEFF: "byte-order mark"}
    if code in names:
        return f"{names[code]} (U+{code:04X})"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"the bidirectional control U+{code:04X} (it can disguise text)"
    return f"control character U+{code:04X}"


def decode(path: str, data: bytes) -> tuple[SourceText | None, list[Problem]]:
    """Decode deck bytes as UTF-8 (a BOM is allowed) and check its characters.

    Returns the text (None when it can't be decoded) and the problems found. Control
    characters are reported and replaced by U+FFFD so that parsing can go on and find
    the file's other problems.
    """
    problems: list[Problem] = []
    if len(data) > MAX_FILE_BYTES:
        problems.append(
            Problem(
                path,
                0,
                0,
                f"file is {len(data):,} bytes; the limit is 16 MiB ({MAX_FILE_BYTES:,} bytes)",
                "file-too-large",
            )
        )
        return None, problems
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        bad = data[exc.start : exc.start + 1].hex()
        source = SourceText(path, data.decode("utf-8", "replace"))
        problems.append(
            source.problem(
                line, col, f"invalid UTF-8 (byte 0x{bad}); save the file as UTF-8", "encoding"
            )
        )
        return None, problems
    source = SourceText(path, text)
    found = 0
    for match in _CONTROL.finditer(text):
        found += 1
        if found <= _MAX_REPEATS:
            offset = match.start()
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
            problems.append(
                source.problem(
                    line, col, f"{_describe_char(match.group())} is not allowed", "control-char"
                )
            )
    if found:
        if found > _MAX_REPEATS:
            problems.append(
                Problem(
                    path, 0, 0, f"{found - _MAX_REPEATS} more control characters", "control-char"
                )
            )
        source = SourceText(path, _CONTROL.sub("\ufffd", text))
        source._lines = _LINE_BREAK.split(text)  # show the real lines in messages
    for match in _TAB_INDENT.finditer(source.text):
        offset = match.start()
        line = source.text.count("\n", 0, offset) + 1
        problems.append(
            source.problem(line, 1, "tab in indentation; indent with spaces", "tab-indent")
        )
    return source, problems


_HINTS = {
    "mapping values are not allowed": "quote text that contains ': '",
    "found character that cannot start any token": "quote text that starts with @, ` or %",
    "could not find expected ':'": "a line may be missing ':' or be indented wrongly",
    "did not find expected key": "check the indentation of this line and the one above",
    "found undefined tag handle": "tags are not allowed",
    "did not find expected '-' indicator": "check the indentation of this list",
    "found unexpected end of stream": "a quote or bracket may be unclosed",
}


def _yaml_problem(source: SourceText, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    context_mark = getattr(exc, "context_mark", None)
    if "end of stream" in problem and "quoted scalar" in context and context_mark is not None:
        # Where the quote opens is where the fix is, not the end of the file.
        mark = context_mark
        problem = f"{problem} {context}"
    line, col = source.mark(mark) if mark is not None else (0, 0)
    text = source.line(line) or ""
    if 0 < col <= len(text) and text[col - 1] == "\t" and not text[: col - 1].strip():
        return source.problem(line, col, "tab in indentation; indent with spaces", "tab-indent")
    message = f"invalid YAML: {problem}"
    value = text.split(": ", 1)[1].lstrip() if ": " in text else text.lstrip(" -")
    if "expected key" in problem and value[:1] in ("{", "["):
        message += " (quote text that starts with '{' or '[')"
    else:
        for needle, hint in _HINTS.items():
            if needle in problem:
                message += f" ({hint})"
                break
    return source.problem(line, col, message, "yaml-syntax")


def _deep_flow(source: SourceText, exc: yaml.YAMLError) -> Problem | None:
    """libyaml stops deep flow nesting (``[[[[...``) with its own error before we see the
    events; find where our limit is crossed instead, reading up to the error's line."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None or "flow" not in (getattr(exc, "context", None) or ""):
        return None
    depth = 0
    line = col = 0
    in_quote = ""
    last_line = source.mark(mark)[0]
    for number, text in enumerate(_LINE_BREAK.split(source.text)[:last_line], 1):
        stripped = text.lstrip(" ")
        if stripped.startswith("- ") or stripped.startswith("-\t") or ":" in stripped:
            depth = max(depth, 1 + (len(text) - len(stripped)) // 2)
        for index, char in enumerate(text, 1):
            if in_quote:
                in_quote = "" if char == in_quote else in_quote
            elif char in "'\"":
                in_quote = char
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    line, col = number, index
                    break
            elif char in "]}":
                depth -= 1
        if line:
            break
    if not line:
        return None
    return source.problem(line, col, f"nesting is deeper than {MAX_DEPTH} levels", "too-deep")


def _one_line(text: str, limit: int = 40) -> str:
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(node: Node) -> str:
    return {Scalar: "text", Seq: "a list", Map: "a mapping"}[type(node)]


def parse_yaml(source: SourceText) -> tuple[Map | None, list[Problem]]:
    """Parse ``source`` into a node tree, reporting everything unsafe or malformed.

    Returns the root mapping (None when there is no usable one) and the problems. It
    never raises: every failure of the YAML parser becomes a problem.
    """
    problems: list[Problem] = []
    root: Node | None = None
    documents = 0
    # Each frame: [container, pending key (maps only)]
    stack: list[list] = []

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        frame = stack[-1]
        parent = frame[0]
        if type(parent) is Seq:
            parent.items.append(node)
            return
        key = frame[1]
        if key is None:
            if type(node) is not Scalar:
                problems.append(
                    source.problem(
                        node.line, node.col, "mapping keys must be plain text", "complex-key"
                    )
                )
                node = Scalar("", True, node.line, node.col, bad=True)
                parent.bad = True
            frame[1] = node
            return
        frame[1] = None
        if key.bad:
            return  # a complex key, already reported
        name = key.value
        if key.plain and name == "<<":
            problems.append(
                source.problem(key.line, key.col, "merge keys (<<) are not allowed", "merge-key")
            )
            parent.bad = True
            return
        if name in parent.keys:
            first = parent.pairs[parent.keys[name]][0]
            problems.append(
                source.problem(
                    key.line,
                    key.col,
                    f"duplicate key '{_one_line(name)}' (first at line {first.line})",
                    "duplicate-key",
                )
            )
            return
        parent.keys[name] = len(parent.pairs)
        parent.pairs.append((key, node))

    def check_props(event: yaml.Event, line: int, col: int) -> bool:
        ok = True
        if getattr(event, "anchor", None) is not None:
            problems.append(
                source.problem(
                    line, col, "anchors (&name) are not allowed in decks; repeat the text", "anchor"
                )
            )
            ok = False
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            problems.append(
                source.problem(line, col, f"tags ({shown}) are not allowed in decks", "tag")
            )
            ok = False
        return ok

    # libyaml's own line and column are right unless the text holds a character it
    # also breaks lines at (a lone CR, U+2028, U+2029), or at the end of the stream
    # (where it moves them to a line after the last, ``? key`` with no newline); then
    # count from the index.
    text = source.text
    exact = not _ODD_BREAK.search(text)
    end = len(text)

    def where(mark: Any) -> tuple[int, int]:
        if exact and mark.index < end:
            return mark.line + 1, mark.column + 1
        return source.mark(mark)

    scalar_event = yaml.ScalarEvent
    starts = {yaml.MappingStartEvent: Map, yaml.SequenceStartEvent: Seq}
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    parser: Any = None
    try:
        # Inside the try: PyYAML's pure-Python reader checks the characters as it is
        # made (U+FFFE, U+FFFF), and that is a problem to report, not to raise.
        parser = _Loader(text)
        # get_event, not yaml.parse: the generator and its check_event calls cost a
        # tenth of a large deck's parse. Scalars, half the events, are handled inline.
        get_event: Any = parser.get_event
        event: Any
        while (event := get_event()) is not None:
            cls = type(event)
            if cls is scalar_event:
                mark = event.start_mark
                if exact and mark.index < end:
                    line = mark.line + 1
                    col = mark.column + 1
                else:
                    line, col = source.mark(mark)
                value = event.value
                ok = (event.anchor is None and event.tag in (None, "!")) or check_props(
                    event, line, col
                )
                if len(value) > MAX_FIELD_CHARS:
                    problems.append(
                        source.problem(
                            line,
                            col,
                            f"text is {len(value):,} characters long; the limit is "
                            f"{MAX_FIELD_CHARS:,} per field",
                            "field-too-long",
                        )
                    )
                    ok = False
                style = event.style
                hidden = _CONTROL.search(value) if style == '"' else None
                if hidden:
                    # the file's own characters were checked on decoding; this is what a
                    # double-quoted escape such as "\e[31m" or "\u202E" turns into
                    problems.append(
                        source.problem(
                            line,
                            col,
                            f"an escape in this quoted text makes "
                            f"{_describe_char(hidden.group())}, which is not allowed",
                            "control-char",
                        )
                    )
                    ok = False
                scalar = Scalar(value, not style, line, col, not ok)
                if not stack:
                    attach(scalar)
                    continue
                frame = stack[-1]
                parent = frame[0]
                if type(parent) is Seq:
                    parent.items.append(scalar)
                elif (key := frame[1]) is None:
                    frame[1] = scalar  # a key
                elif key.bad or key.value in parent.keys or (key.plain and key.value == "<<"):
                    attach(scalar)  # which reports it
                else:
                    frame[1] = None
                    parent.keys[key.value] = len(parent.pairs)
                    parent.pairs.append((key, scalar))
            elif cls in starts:
                line, col = where(event.start_mark)
                ok = check_props(event, line, col)
                if len(stack) >= MAX_DEPTH:
                    problems.append(
                        source.problem(
                            line,
                            col,
                            f"nesting is deeper than {MAX_DEPTH} levels",
                            "too-deep",
                        )
                    )
                    return None, problems
                stack.append([starts[cls]([], line, col, not ok), None])
            elif cls in ends:
                attach(stack.pop()[0])
            elif cls is yaml.AliasEvent:
                line, col = where(event.start_mark)
                problems.append(
                    source.problem(
                        line,
                        col,
                        "aliases (*name) are not allowed in decks; repeat the text",
                        "alias",
                    )
                )
                attach(Scalar("", True, line, col, bad=True))
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    line, col = where(event.start_mark)
                    problems.append(
                        source.problem(
                            line,
                            col,
                            "a deck file holds one YAML document; found a second one",
                            "several-documents",
                        )
                    )
                    return None, problems
    except yaml.YAMLError as exc:
        deep = _deep_flow(source, exc)
        problems.append(deep or _yaml_problem(source, exc))
        return None, problems
    except (RecursionError, MemoryError, ValueError, IndexError) as exc:  # pragma: no cover
        problems.append(source.problem(0, 0, f"cannot parse the file: {exc}", "yaml-syntax"))
        return None, problems
    finally:
        if parser is not None:
            parser.dispose()

    if root is None or (type(root) is Scalar and root.is_null):
        problems.append(
            Problem(
                source.path,
                0,
                0,
                "the file is empty; a deck needs at least 'deck:' and 'cards:'",
                "empty-file",
            )
        )
        return None, problems
    if type(root) is not Map:
        problems.append(
            source.problem(
                root.line,
                root.col,
                f"a deck file must be a mapping with 'deck:' and 'cards:', not {_kind(root)}",
                "not-a-mapping",
            )
        )
        return None, problems
    return root, problems
