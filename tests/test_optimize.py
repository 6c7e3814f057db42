"""quizzer optimize / evaluate: the fsrs-rs items, their order, and the real josh log."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import run_env

from quizzer.optimize import build_items, item_reviews

REAL_LOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "review_logs_josh.csv"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 4, day, hour, minute, tzinfo=UTC)


def day_of(when: datetime) -> date:
    """Study days that start at 4:00 UTC."""
    return (when - timedelta(hours=4)).date()


def test_items_for_a_hand_made_history() -> None:
    histories = {
        "a": [
            (at(1, 10), 1, "scheduled"),  # first answer: delta_t 0, no item
            (at(1, 10, 5), 3, "scheduled"),  # same day: stays in the history, no item
            (at(1, 10, 15), 3, "scheduled"),
            (at(2, 9), 3, "scheduled"),  # 1 day later: item 1
            (at(5, 3), 3, "scheduled"),  # 3:00 on the 5th is still study day 4: item 3
            (at(5, 5), 1, "scheduled"),  # 5:00 on the 5th is study day 5: item 4
            (at(5, 5, 10), 3, "scheduled"),  # same day: no item
        ],
        "b": [
            (at(3, 20), 3, "scheduled"),
            (at(3, 23), 3, "scheduled"),
            (at(4, 3, 59), 3, "scheduled"),  # before 4:00: still study day 3
            (at(4, 4), 1, "scheduled"),  # study day 4: item 2
        ],
    }
    items, reviews = item_reviews(histories, day_of)
    assert reviews == 11
    # computed by hand, as (rating, delta_t), in the order of the review each ends with
    assert items == [
        [(1, 0), (3, 0), (3, 0), (3, 1)],  # a, 2 Apr 9:00
        [(3, 0), (3, 0), (3, 0), (1, 1)],  # b, 4 Apr 4:00
        [(1, 0), (3, 0), (3, 0), (3, 1), (3, 2)],  # a, 5 Apr 3:00
        [(1, 0), (3, 0), (3, 0), (3, 1), (3, 2), (1, 1)],  # a, 5 Apr 5:00
    ]
    fsrs_items, count = build_items(histories, day_of)
    assert count == 11
    assert [item.long_term_review_cnt() for item in fsrs_items] == [1, 1, 2, 3]


def test_fsrs_rs_weighs_items_by_position() -> None:
    """Why the items must be in review-time order: fsrs-rs's evaluate is a weighted mean,
    weight 0.25 + 0.75·(i/(n−1))³ for the i-th of n items (recent reviews count most)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

    raw = [
        [(3, 0), (3, 1)],
        [(1, 0), (3, 0), (3, 5)],
        [(3, 0), (3, 2), (1, 9)],
        [(3, 0), (3, 0), (3, 32)],
    ]
    fsrs = FSRS(list(DEFAULT_PARAMETERS))
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    losses = []
    for reviews in raw:
        stability = fsrs.memory_state(FSRSItem([FSRSReview(*r) for r in reviews[:-1]])).stability
        rating, delta_t = reviews[-1]
        recall = (1 + factor * delta_t / stability) ** decay
        losses.append(-math.log(recall if rating > 1 else 1 - recall))

    def weighted(order: list[int]) -> float:
        weights = [0.25 + 0.75 * (i / (len(order) - 1)) ** 3 for i in range(len(order))]
        return sum(w * losses[k] for w, k in zip(weights, order, strict=True)) / sum(weights)

    def evaluate(order: list[int]) -> float:
        items = [FSRSItem([FSRSReview(*r) for r in raw[k]]) for k in order]
        return float(fsrs.evaluate(items).log_loss)

    forward, backward = [0, 1, 2, 3], [3, 2, 1, 0]
    assert evaluate(forward) == pytest.approx(weighted(forward), abs=1e-5)
    assert evaluate(backward) == pytest.approx(weighted(backward), abs=1e-5)
    assert abs(evaluate(forward) - evaluate(backward)) > 0.05


def quizzer(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *args],
        capture_output=True,
        text=True,
        env=run_env(home),
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_optimize_on_the_real_josh_log(tmp_path: Path) -> None:
    """The real log: 12,580 reviews of 1,205 cards; study days start at 4:00 UTC.

    Anki 26.09.3 (``compute_fsrs_params`` and ``evaluate_params_legacy`` on a collection
    holding this log, TZ=UTC, rollover 4) builds the same 6,276 items and scores the
    default parameters at log loss 0.4535 and RMSE(bins) 0.0766; its newer trainer's fit
    scores 0.4421 and 0.0428, fsrs-rs-python's 0.4444 and 0.0516.
    """
    if not REAL_LOG.is_file():
        pytest.skip(f"the real review log is not available at {REAL_LOG}")
    done = quizzer(tmp_path, "import-reviews", str(REAL_LOG))
    assert done.returncode == 0, done.stderr
    assert "12580 reviews imported" in done.stdout
    for name, value in (("timezone", "UTC"), ("day_start_hour", "4")):
        done = quizzer(tmp_path, "config", "set", name, value)
        assert done.returncode == 0, done.stderr

    done = quizzer(tmp_path, "optimize", "--json", "--yes")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["items"], result["reviews"], result["enough"]) == (6276, 12580, True)
    current, fitted = result["current"], result["fitted"]
    assert current["log_loss"] == pytest.approx(0.4535, abs=0.002)
    assert current["rmse_bins"] == pytest.approx(0.0766, abs=0.002)
    assert result["better"]
    assert fitted["log_loss"] < current["log_loss"] - 0.005
    assert fitted["rmse_bins"] < current["rmse_bins"] - 0.01
    assert fitted["log_loss"] == pytest.approx(0.4444, abs=0.002)
    assert fitted["rmse_bins"] == pytest.approx(0.0516, abs=0.005)

    # the saved parameters are valid for fsrs.Scheduler, and evaluate uses them from now on
    import fsrs

    fsrs.Scheduler(parameters=fitted["parameters"])
    done = quizzer(tmp_path, "evaluate", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["log_loss"] == pytest.approx(fitted["log_loss"], abs=1e-6)
