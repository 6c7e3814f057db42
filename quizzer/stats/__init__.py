"""Progress statistics and exports (no UI here)."""

from quizzer.stats.compute import STATS_VERSION, StatsFilter, compute_stats

__all__ = ["STATS_VERSION", "StatsFilter", "compute_stats"]
