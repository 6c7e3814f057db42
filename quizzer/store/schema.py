"""Schema versions and migrations.

The schema is versioned with Alembic from the first release, with numbered revisions
(``0001``, ``0002``...) so that a database newer than the app can be told apart from an
older one. Opening a database:

* at the current revision: nothing to do, and Alembic is not even imported;
* empty: the schema is created by running every migration;
* older: it is backed up, then migrated in one transaction;
* newer, or not a quizzer database: refused with a clear message, untouched.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from quizzer.store.db import Store, StoreError, sqlite_path

__all__ = ["HEAD", "REVISIONS", "current_revision", "ensure_schema", "upgrade"]

REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD = REVISIONS[-1]
_MIGRATIONS = Path(__file__).with_name("migrations")


def current_revision(store: Store) -> str | None:
    """The database's schema revision, or None for an empty database.

    Raises:
        StoreError: When the database has tables but is not a quizzer collection.
    """
    with store.read() as session:
        conn = session.connection()
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if tables:
        shown = ", ".join(sorted(tables)[:5])
        raise StoreError(
            f"{_where(store)} is not a quizzer database (it has other tables: "
            f"{shown}); nothing was changed"
        )
    return None


def _where(store: Store) -> str:
    path = sqlite_path(store.url)
    from quizzer.store.db import masked_url

    return str(path) if path else masked_url(store.url)


def upgrade(store: Store, target: str = HEAD) -> None:
    """Run the migrations up to ``target`` in one write transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store.write() as session:
        config.attributes["connection"] = session.connection()
        command.upgrade(config, target)


def ensure_schema(store: Store, backup_dir: Path | None = None) -> str | None:
    """Bring the database to :data:`HEAD`, creating or migrating it as needed.

    Returns the path of the backup made before a migration, if one was made.

    Raises:
        StoreError: For a newer or foreign database.
    """
    revision = current_revision(store)
    if revision == HEAD:
        return None
    if revision is not None and revision not in REVISIONS:
        if revision.isdigit() and int(revision) > int(HEAD):
            raise StoreError(
                f"{_where(store)} was written by a newer quizzer (schema {revision}; this one "
                f"knows up to {HEAD}). Upgrade quizzer to open it; nothing was changed."
            )
        raise StoreError(
            f"{_where(store)} has an unknown schema revision {revision!r}; nothing was changed"
        )
    made = None
    path = sqlite_path(store.url)
    if revision is not None and path is not None:
        from quizzer.paths import backup_dir as default_backup_dir
        from quizzer.store.backup import backup_sqlite

        made = str(
            backup_sqlite(
                path, backup_dir or default_backup_dir(), reason=f"before-migration-{revision}"
            )
        )
    upgrade(store)
    return made
