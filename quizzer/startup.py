"""Cyclic garbage collection is held off while the app starts.

Starting the app creates some hundreds of thousands of objects that live as long as the
process (modules, classes, SQLAlchemy's and Textual's tables); the collector would pass
over them again and again to free nothing, ≈ 10 % of the start-up (docs/performance.md).
Once the deck list is painted, :func:`release_gc` collects once (≈ 0.1 s, while the
learner reads the list) and moves everything still alive into the permanent generation
(``gc.freeze``), so later collections, during reviews, skip it too.
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
    """Collect start-up's garbage once, freeze what is left and collect as usual again,
    if :func:`hold_gc` paused it."""
    global _held
    if _held:
        _held = False
        # Frozen objects are never collected: start-up's garbage (a third of what it
        # made, tracebacks and their frames among it) must go before the freeze.
        gc.collect()
        gc.freeze()
        gc.enable()
