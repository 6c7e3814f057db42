"""The ``quizzer`` console script: a tiny dispatcher.

``quizzer check`` runs without importing click or the database (the hot path of editor
hooks and CI); everything else goes to the click application in :mod:`quizzer.cli`.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``quizzer`` console script."""
    args = sys.argv[1:]
    if args[:1] == ["check"] and not {"-h", "--help"} & set(args[1:]):
        from quizzer.checkcmd import fast_main

        code = fast_main(args[1:])
        if code is not None:
            sys.exit(code)
    from quizzer.startup import hold_gc

    hold_gc()  # released once the app has painted, or when a command other than it runs
    from quizzer.cli import main as cli_main

    cli_main()
