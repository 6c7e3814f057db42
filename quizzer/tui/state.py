"""Small UI preferences that persist between runs (the theme), in ``ui.json``.

Kept apart from ``config.toml``, which the user writes by hand and quizzer never
rewrites.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["load_ui_state", "save_ui_state", "ui_state_file"]


def ui_state_file() -> Path:
    """Where the preferences live (beside the database's default folder)."""
    from quizzer.paths import data_dir

    return data_dir() / "ui.json"


def load_ui_state() -> dict[str, Any]:
    """The saved preferences, or {} when missing or unreadable."""
    try:
        data = json.loads(ui_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_ui_state(**values: Any) -> None:
    """Merge ``values`` into the saved preferences (atomically; errors are ignored,
    since a preference is not worth interrupting study for)."""
    path = ui_state_file()
    data = load_ui_state() | values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ui.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except OSError:
        pass
