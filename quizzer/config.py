"""The user's configuration file, ``config.toml`` in the config folder.

Known keys (all optional)::

    database_url = "postgresql+psycopg://me@host/quizzer"   # or a path to an SQLite file
    deck_dirs = ["~/decks", "~/school/llm-course"]          # imported when the app starts

Passwords never belong here: PostgreSQL reads them from the libpq environment or
``~/.pgpass``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Config", "ConfigError", "load_config"]


class ConfigError(Exception):
    """The configuration file can't be used; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Config:
    """Settings read from the configuration file."""

    path: Path | None = None
    database_url: str | None = None
    deck_dirs: tuple[Path, ...] = ()
    raw: dict[str, object] = field(default_factory=dict)


_KNOWN = {"database_url", "deck_dirs", "study", "keys", "theme", "backup_interval_minutes"}


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration file; a missing file gives the defaults.

    Raises:
        ConfigError: When the file is not valid TOML or a value has the wrong type.
    """
    from quizzer.paths import config_file

    file = Path(path) if path is not None else config_file()
    try:
        raw_bytes = file.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from exc
    import tomllib

    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ConfigError(
            f"{file}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KNOWN))}"
        )
    url = data.get("database_url")
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"{file}: database_url must be a string")
    dirs = data.get("deck_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ConfigError(f"{file}: deck_dirs must be a list of folder paths")
    if url and "://" in url:
        from sqlalchemy.engine import make_url

        if make_url(url).password:
            raise ConfigError(
                f"{file}: database_url must not contain a password; use "
                "~/.pgpass or the PGPASSWORD environment variable"
            )
    return Config(file, url or None, tuple(Path(d).expanduser() for d in dirs), data)
