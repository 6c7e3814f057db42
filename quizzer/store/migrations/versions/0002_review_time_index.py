"""Index reviews by time, for statistics over date ranges and daily limits.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reviews_time", "reviews", ["reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_reviews_time", table_name="reviews")
