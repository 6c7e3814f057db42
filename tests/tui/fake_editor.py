"""A stand-in for $VISUAL in the tests: ``fake_editor.py +LINE PATH``.

It appends its arguments as one JSON line to ``$FAKE_EDITOR_LOG`` and replaces the
text ``$FAKE_EDITOR_FIND`` with ``$FAKE_EDITOR_REPLACE`` in PATH (when both are set),
as a person would in a real editor. It exits with ``$FAKE_EDITOR_STATUS`` (default 0).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_EDITOR_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(argv) + "\n")
    find = os.environ.get("FAKE_EDITOR_FIND")
    replace = os.environ.get("FAKE_EDITOR_REPLACE")
    if find is not None and replace is not None:
        path = Path(argv[-1])
        text = path.read_text(encoding="utf-8")
        if find not in text:
            print(f"fake editor: {find!r} is not in {path}", file=sys.stderr)
            return 3
        path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    return int(os.environ.get("FAKE_EDITOR_STATUS", "0"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
