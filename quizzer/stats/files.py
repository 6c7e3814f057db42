"""Writing exported files safely: atomically, and with spreadsheet-safe CSV cells."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_writer", "csv_cell", "remove_stale_temporaries", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Neutralize a text cell that a spreadsheet would run as a formula (OWASP): prefix
    it with ``'``. Numbers, booleans and empty cells are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` as CSV with every text cell neutralized; returns the row count."""
    writer = csv.writer(handle, lineterminator="\n")
    # The csv module quotes only the characters of ``lineterminator``: a text cell
    # holding a carriage return ("\rCarriage", or Windows line ends) was written bare,
    # and every CSV reader then split the row in two. Such rows quote their text cells
    # (numbers stay bare, so they still read as numbers).
    quoting = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    count = 0
    for row in rows:
        cells = ["" if v is None else csv_cell(v) for v in row]
        if any(isinstance(c, str) and "\r" in c for c in cells):
            quoting.writerow(cells)
        else:
            writer.writerow(cells)
        count += 1
    return count


#: A temporary file older than this is the leftover of a killed write, not one in
#: progress in another process.
STALE_AFTER_S = 24 * 3600


def remove_stale_temporaries(target: Path) -> None:
    """Delete the temporary files of earlier writes of ``target`` that never finished
    (the process was killed before its rename): ``.NAME.*.tmp`` older than a day."""
    import glob
    import time

    cutoff = time.time() - STALE_AFTER_S
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


@contextlib.contextmanager
def atomic_writer(path: str | Path | None) -> Iterator[IO[str]]:
    """Write to ``path`` through a temporary file renamed into place only when complete,
    so a crash never leaves a half-written file under the final name. ``None`` or ``-``
    writes to standard output."""
    if path is None or str(path) == "-":
        buffer = io.StringIO()
        yield buffer
        text = buffer.getvalue()
        if sys.stdout.isatty():
            # On a terminal, deck text must not act as escape sequences; files and pipes
            # get the data exactly.
            from quizzer.text import safe_text

            text = safe_text(text)
        sys.stdout.write(text)
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(2, "the folder does not exist", str(target.parent))
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    # mkstemp makes the file private (0600); give it the usual permissions instead.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
