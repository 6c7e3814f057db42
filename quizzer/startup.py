"""Cyclic garbage collection is held off while the app starts.

Starting the app creates some hundreds of thousands of objects that live as long as the
process (modules, classes, SQLAlchemy's and Textual's tables); the collector would pass
over them again and again to free nothing, ≈ 10 % of the start-up (docs/performance.md).
Once the deck list is painted, :func:`release_gc` moves everything alive into the
permanent generation (``gc.freeze``), so later collections, during reviews, skip it too.
"""

from __future__ import annotations

import gc

__all__ = ["hold_gc", "release_gc"]

_held = False


def hold_gc() -> None:
    """Pause cyclic garbage collection until :func:`release_gc` (no-op if already off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_gc() -> None:
    """Freeze what start-up made and collect as usual again, if :func:`hold_gc` paused it."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
