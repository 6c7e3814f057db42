"""Consistent copies of an SQLite collection, made with SQLite's online backup API.

The copy is written to a temporary file, must pass ``PRAGMA integrity_check``, and is
only then renamed to its final name, so a crash never leaves a half-written backup.
(#7 builds the backup policy on this.)
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["backup_sqlite"]


def backup_sqlite(db_path: Path, dest_dir: Path, reason: str = "manual") -> Path:
    """Copy the database at ``db_path`` into ``dest_dir`` and return the backup's path.

    Raises:
        OSError: When the folder can't be written.
        sqlite3.DatabaseError: When the source is unreadable or the copy is damaged.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = dest_dir / f"quizzer-{stamp}-{reason}.db"
    tmp = final.with_name(final.name + ".tmp")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            result = dst.execute("PRAGMA integrity_check").fetchone()
            if not result or result[0] != "ok":
                raise sqlite3.DatabaseError(f"backup failed its integrity check: {result}")
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return final
