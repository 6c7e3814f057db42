"""PostgreSQL for the tests: a fresh, empty schema per test on the server that
``QUIZZER_TEST_PG_URL`` names (``.ci/run`` starts one), or a one-line skip reason.

Each test (or module fixture) gets its own schema, named after the xdist worker and a
random suffix, reached through a URL whose ``options`` set the ``search_path``: the
tests never see each other's tables, even with ``-n auto``, and the schema is dropped
afterwards. Importable as ``pgdb``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache
from pathlib import Path
from typing import Any

ENV = "QUIZZER_TEST_PG_URL"

__all__ = ["ENV", "base_url", "database", "fresh_database", "raw_dicts", "raw_rows", "skip_reason"]


def base_url() -> str | None:
    """The test server's URL, or None."""
    return os.environ.get(ENV) or None


def _connect(url: str, **kwargs: Any) -> Any:
    """A plain psycopg connection to the database of an SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    params = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        **{k: v for k, v in parsed.query.items() if isinstance(v, str)},
    }
    return psycopg.connect(
        **{k: v for k, v in params.items() if v is not None}, connect_timeout=5, **kwargs
    )


@cache
def skip_reason() -> str | None:
    """Why the PostgreSQL tests can't run here (one line), or None when they can."""
    url = base_url()
    if url is None:
        return f"PostgreSQL tests skipped: {ENV} is not set (.ci/run starts a server)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "PostgreSQL tests skipped: psycopg is not installed"
    from quizzer.store.db import masked_url

    try:
        with closing(_connect(url)) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL tests skipped: no server at {masked_url(url)} ({first})"
    return None


@contextmanager
def fresh_database(label: str = "t") -> Iterator[str]:
    """The URL of a new, empty schema on the test server; dropped afterwards."""
    import pytest
    from sqlalchemy.engine import make_url

    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    url = base_url()
    assert url is not None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"{label}_{worker}_{secrets.token_hex(4)}".lower()
    with closing(_connect(url, autocommit=True)) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        from quizzer.store.db import dispose_engines

        dispose_engines()  # no pooled connection may hold the schema's locks
        with closing(_connect(url, autocommit=True)) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def database(backend: str, path: Path) -> Iterator[Path | str]:
    """A database for a module-scoped fixture: the file ``path`` on SQLite, or a fresh
    PostgreSQL schema."""
    if backend == "sqlite":
        yield path
    else:
        with fresh_database("m") as url:
            yield url


def raw_rows(db: str | Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` placeholders) read straight from the database, bypassing
    quizzer: ``sqlite3`` for a file, psycopg for a PostgreSQL URL."""
    import sqlite3

    if "://" not in str(db):
        with closing(sqlite3.connect(db)) as conn:
            return conn.execute(sql, params).fetchall()
    with closing(_connect(str(db))) as conn:
        return list(conn.execute(sql.replace("?", "%s"), params).fetchall())


def raw_dicts(db: str | Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Like :func:`raw_rows`, as dicts keyed by column name."""
    import sqlite3

    if "://" not in str(db):
        with closing(sqlite3.connect(db)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
    from psycopg.rows import dict_row

    with closing(_connect(str(db), row_factory=dict_row)) as conn:
        return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
