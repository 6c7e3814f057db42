"""The first schema: decks, deck sources, cards, reviews, settings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from quizzer.store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "deck_sources",
        sa.Column("path", sa.String(), primary_key=True),
        sa.Column(
            "deck_id",
            sa.Integer(),
            sa.ForeignKey("decks.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "deck_id", sa.Integer(), sa.ForeignKey("decks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("note_key", sa.String(), nullable=False),
        sa.Column("sibling", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTCDateTime(), nullable=True),
        sa.Column("last_review", UTCDateTime(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("buried_until", UTCDateTime(), nullable=True),
        sa.Column("leech", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("deck_id", "key", name="uq_cards_deck_key"),
    )
    op.create_index("ix_cards_deck_note", "cards", ["deck_id", "note_key"])
    op.create_index("ix_cards_due", "cards", ["due"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "card_id", sa.Integer(), sa.ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("suggested_rating", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("prior_state", sa.Integer(), nullable=False),
        sa.Column("retrievability", sa.Float(), nullable=True),
        sa.Column("state_before", sa.JSON(), nullable=False),
    )
    op.create_index("ix_reviews_card_time", "reviews", ["card_id", "reviewed_at"])
    op.create_table(
        "card_tags",
        sa.Column(
            "card_id", sa.Integer(), sa.ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("tag", sa.String(), primary_key=True),
    )
    op.create_index("ix_card_tags_tag", "card_tags", ["tag"])
    op.create_table(
        "settings",
        sa.Column("scope", sa.String(), primary_key=True),
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_card_tags_tag", table_name="card_tags")
    op.drop_table("card_tags")
    op.drop_index("ix_reviews_card_time", table_name="reviews")
    op.drop_table("reviews")
    op.drop_index("ix_cards_due", table_name="cards")
    op.drop_index("ix_cards_deck_note", table_name="cards")
    op.drop_table("cards")
    op.drop_table("deck_sources")
    op.drop_table("decks")
