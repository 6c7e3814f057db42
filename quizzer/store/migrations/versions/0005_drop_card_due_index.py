"""Drop the index of cards by due date alone: ``ix_cards_state_due`` serves its queries.

Every answer moves its card's due date, and each index on ``due`` rewrites a page or
two for it: ``ix_cards_due`` was 2.3 of the 8.9 pages an answer wrote to the WAL at
100,000 cards. The queries that used it (the forecast, the cards due tomorrow, the
browser's ``is:due``) name the studied states as a list (``state IN (1, 2, 3)``), which
SQLite and PostgreSQL search through ``ix_cards_state_due`` one state at a time, as
fast as through ``ix_cards_due`` or faster.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cards_due", table_name="cards")


def downgrade() -> None:
    op.create_index("ix_cards_due", "cards", ["due"])
