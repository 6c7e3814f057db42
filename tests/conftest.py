"""Shared fixtures: every test gets its own quizzer home, database and clock.

Storage, API and statistics tests run on both backends: a module (or test) marked
``@pytest.mark.backends`` gets the ``backend`` parameter ``sqlite`` and ``postgresql``
(``@pytest.mark.backends("sqlite")`` narrows it), and its ``db``/``col`` fixtures open
that backend. PostgreSQL tests need ``QUIZZER_TEST_PG_URL`` (see ``tests/pgdb.py``)
and skip with a one-line reason without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pgdb
import pytest
from helpers import NOW  # noqa: F401  (re-exported for fixtures)

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run the test on these backends (default: both)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return pgdb.skip_reason() or f"PostgreSQL tests: {pgdb.ENV} is reachable"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is None or "backend" not in metafunc.fixturenames:
        return
    metafunc.parametrize("backend", marker.args or BACKENDS, indirect=True, scope="module")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without a server, skip the PostgreSQL tests up front (one summary line a file)."""
    reason = None
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            reason = reason or pgdb.skip_reason()
            if reason is None:
                return
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (only marked tests get ``postgresql``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(autouse=True)
def quizzer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point QUIZZER_HOME at a fresh folder and forget any QUIZZER_DB."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("QUIZZER_HOME", str(home))
    monkeypatch.delenv("QUIZZER_DB", raising=False)
    yield home
    from quizzer.store.db import dispose_engines

    dispose_engines()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file path in the test's folder (not created yet)."""
    return tmp_path / "test.db"


@pytest.fixture
def db(backend: str, db_path: Path) -> Iterator[Path | str]:
    """The test's database: an SQLite file path, or the URL of a fresh PostgreSQL
    schema (dropped afterwards)."""
    if backend == "sqlite":
        yield db_path
        return
    with pgdb.fresh_database() as url:
        yield url


@pytest.fixture
def col(db: Path | str):
    """An open, empty collection."""
    from quizzer.collection import Collection

    with Collection.open(db) as collection:
        yield collection
