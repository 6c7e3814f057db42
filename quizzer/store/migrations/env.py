"""Alembic environment: runs quizzer's migrations on the connection it is handed.

quizzer calls Alembic itself (see :mod:`quizzer.store.schema`), inside a write
transaction it already holds, so every migration of one upgrade is one transaction.
"""

from alembic import context
from sqlmodel import SQLModel

import quizzer.store.models  # noqa: F401  (registers the tables on the metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
