"""Where quizzer keeps its files.

Data (the database), configuration and backups live in the platform's user folders for
``quizzer`` (platformdirs). ``QUIZZER_HOME=DIR`` puts all of them under ``DIR`` instead,
for tests and portable use. Nothing here touches the disk until a function is called.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "backup_dir",
    "bundled_decks_dir",
    "config_dir",
    "config_file",
    "data_dir",
    "default_db_path",
]

APP_NAME = "quizzer"


def _home() -> Path | None:
    home = os.environ.get("QUIZZER_HOME")
    return Path(home).expanduser().absolute() if home else None


def data_dir() -> Path:
    """The folder that holds the database."""
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The folder that holds ``config.toml``."""
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The configuration file (it may not exist)."""
    return config_dir() / "config.toml"


def backup_dir() -> Path:
    """The folder for automatic and manual backups."""
    return data_dir() / "backups"


def default_db_path() -> Path:
    """The database used when neither ``--db`` nor ``QUIZZER_DB`` says otherwise."""
    return data_dir() / "quizzer.db"


def bundled_decks_dir() -> Path:
    """The decks that ship with quizzer.

    In an installed wheel they sit inside the package (``quizzer/decks``); in a source
    checkout they are the repository's ``decks/`` folder.
    """
    here = Path(__file__).resolve().parent
    inside = here / "decks"
    if inside.is_dir():
        return inside
    return here.parent / "decks"
