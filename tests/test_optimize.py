"""quizzer optimize / evaluate: the fsrs-rs items, their order, and the real josh log."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import run_env

from quizzer.optimize import build_items, item_reviews

REAL_LOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "review_logs_josh.csv"


def write_history(path: Path, cards: int = 60, seed: int = 8) -> Path:
    """A small, fixed review history in the FSRS optimizer layout: ``cards`` cards, each
    answered 8 times in 2025 by a made-up learner whose memory doubles its stability
    on each recall (enough items for fsrs-rs to fit, and a fit that beats the defaults).
    """
    rng = random.Random(seed)
    rows = ["card_id,review_time,review_rating,review_duration"]
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    for card in range(1, cards + 1):
        when = start + timedelta(days=rng.randrange(60), minutes=rng.randrange(600))
        stability, elapsed = rng.uniform(0.5, 4.0), 0.0
        for _ in range(8):
            recall = (1 + elapsed / (9 * stability)) ** -1 if elapsed else 0.6
            good = rng.random() < recall
            rating = (2 if rng.random() < 0.1 else 3) if good else 1
            rows.append(f"{card},{when.isoformat()},{rating},{rng.randint(4000, 20000)}")
            stability = stability * rng.uniform(1.8, 3.0) if good else stability * 0.4
            elapsed = max(1, round(stability * rng.uniform(0.5, 1.5)))
            when += timedelta(days=elapsed, minutes=rng.randrange(-90, 90))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


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


def test_a_reset_drops_the_items_of_the_history_before_it() -> None:
    """A reset starts the card's history over: the items its earlier answers gave are
    not trained on, and its reviews are not counted."""
    day_of = lambda when: (when - timedelta(hours=4)).date()  # noqa: E731
    histories = {
        "a": [
            (at(1, 9), 3, "scheduled"),
            (at(2, 9), 3, "scheduled"),  # an item …
            (at(3, 9), 3, "scheduled"),  # … and another, both before the reset
            (at(4, 9), 0, "reset"),
            (at(5, 9), 3, "scheduled"),
            (at(6, 9), 1, "scheduled"),  # the only item left
        ],
        "b": [(at(2, 10), 3, "scheduled"), (at(4, 10), 3, "scheduled")],
    }
    items, reviews = item_reviews(histories, day_of)
    assert items == [[(3, 0), (3, 2)], [(3, 0), (1, 1)]]  # b on 4 Apr, a on 6 Apr
    assert reviews == 4


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


def test_suggest_retention_on_a_small_history(tmp_path: Path) -> None:
    """--retention: fits first, then suggests a retention for the parameters kept, prints
    the workload at it and at the current one, and --yes saves both."""
    log = write_history(tmp_path / "history.csv")
    done = quizzer(tmp_path, "import-reviews", str(log))
    assert done.returncode == 0, done.stderr
    done = quizzer(tmp_path, "optimize", "--retention", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "Suggested desired retention: " in out and "for the fitted parameters" in out
    suggested = float(out.split("Suggested desired retention: ")[1][:4])
    assert 0.7 <= suggested <= 0.97
    assert f"  at {suggested:.2f}: " in out and "  at 0.90: " in out  # both workloads
    trade_off = next(line for line in out.splitlines() if line.startswith(f"{suggested:.2f} "))
    assert "study time a day than 0.90" in trade_off and "cards remembered" in trade_off
    assert "Simulated: 60 cards, 20 new and at most 200 reviews a day, for 365 days" in out
    assert f"saved desired_retention = {suggested:.2f}" in done.stderr
    done = quizzer(tmp_path, "config", "--json")
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout)
    assert settings["desired_retention"]["value"] == pytest.approx(suggested)
    assert settings["desired_retention"]["source"] == "collection"
    assert settings["parameters"]["source"] == "collection"  # fitted, then saved first


def test_suggest_retention_json(tmp_path: Path) -> None:
    """--json holds the suggestion, both workloads and the simulator's inputs; without
    --yes and without an answer nothing is saved."""
    log = write_history(tmp_path / "history.csv")
    assert quizzer(tmp_path, "import-reviews", str(log)).returncode == 0
    done = quizzer(tmp_path, "config", "set", "desired_retention", "0.95")
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "quizzer", "optimize", "--retention", "--json"],
        capture_output=True,
        text=True,
        env=run_env(tmp_path),
        input="n\nn\n",  # keep the current parameters, and don't save the retention
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    retention = result["retention"]
    assert retention["parameters"] == "current"
    assert retention["current"] == 0.95
    assert 0.7 <= retention["suggested"] <= 0.97
    for key in ("at_suggested", "at_current"):
        workload = retention[key]
        assert workload["minutes_per_day"] > 0 and workload["remembered"] > 0
    assert retention["at_current"]["retention"] == 0.95
    simulator = retention["simulator"]
    assert simulator["deck_size"] == 60 and simulator["days"] == 365
    assert simulator["timed_answers"] == 480
    assert simulator["measured_costs"][1][2]  # review → Good: timed in the log
    assert sum(simulator["first_rating_prob"]) == pytest.approx(1)
    done = quizzer(tmp_path, "config", "--json")
    settings = json.loads(done.stdout)
    assert settings["desired_retention"]["value"] == 0.95
    assert settings["parameters"]["source"] == "default"


def test_suggest_retention_refuses_with_too_little_history(tmp_path: Path) -> None:
    log = write_history(tmp_path / "history.csv", cards=3)
    assert quizzer(tmp_path, "import-reviews", str(log)).returncode == 0
    done = quizzer(tmp_path, "optimize", "--retention", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Too little history to fit" in done.stderr
    assert "No desired retention suggested either" in done.stderr
    assert "Suggested" not in done.stdout
    done = quizzer(tmp_path, "optimize", "--retention", "--json", "--yes")
    assert json.loads(done.stdout)["retention"] is None
    done = quizzer(tmp_path, "config", "--json")
    settings = json.loads(done.stdout)
    assert settings["desired_retention"]["source"] == "default"


def test_optimize_names_an_unknown_deck(tmp_path: Path) -> None:
    for command in ("optimize", "evaluate"):
        done = quizzer(tmp_path, command, "--deck", "nope")
        assert done.returncode == 1
        assert done.stderr.strip() == "error: no deck 'nope'"


@pytest.mark.backends
def test_evaluate_is_the_same_on_both_backends(col, tmp_path: Path) -> None:
    """The items come from SQL (epoch seconds, time order): PostgreSQL must build the
    same ones as SQLite, a deck filter included, and score them the same."""
    from quizzer import Collection
    from quizzer.history import import_reviews

    log = write_history(tmp_path / "history.csv", cards=30)
    with Collection.open(tmp_path / "reference.db") as reference:
        for c in (col, reference):
            import_reviews(c.store, log, deck="hist")
            c.set_setting("timezone", "UTC")
        want = reference.optimize(fit=False)
        want_deck = reference.optimize("hist", fit=False)
    got = col.optimize(fit=False)
    assert got.items == want.items > 100 and got.reviews == want.reviews == 240
    assert got.current is not None and want.current is not None
    assert got.current.log_loss == pytest.approx(want.current.log_loss, abs=1e-9)
    assert col.optimize("hist", fit=False).items == want_deck.items == want.items


def test_a_large_log_is_evaluated_in_a_child_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """optimize_apart: above APART_ABOVE answers the work runs in a spawned child, which
    opens the database by URL and returns the same result; below, it runs here."""
    import concurrent.futures

    from quizzer import Collection, optimize
    from quizzer.history import import_reviews

    log = write_history(tmp_path / "history.csv", cards=30)
    with Collection.open(tmp_path / "c.db") as col:
        import_reviews(col.store, log)
        here = col.optimize(fit=False)
        assert here.current is not None

        def same_as_here(result: optimize.OptimizeResult) -> None:
            """The same items and score (fsrs-rs sums in threads: the last bits vary)."""
            assert (result.items, result.reviews, result.enough) == (
                here.items,
                here.reviews,
                True,
            )
            assert result.current is not None
            assert result.current.parameters == here.current.parameters
            assert result.current.log_loss == pytest.approx(here.current.log_loss, rel=1e-9)
            assert result.current.rmse_bins == pytest.approx(here.current.rmse_bins, rel=1e-6)

        pools: list[object] = []
        real_pool = concurrent.futures.ProcessPoolExecutor

        def counting_pool(*args, **kwargs):
            pools.append(kwargs.get("mp_context"))
            return real_pool(*args, **kwargs)

        monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting_pool)
        same_as_here(col.optimize(fit=False, apart=True))
        assert pools == []
        monkeypatch.setattr(optimize, "APART_ABOVE", 10)
        same_as_here(col.optimize(fit=False, apart=True))
        assert len(pools) == 1 and pools[0].get_start_method() == "spawn"
        # a deck filter reaches the child too
        assert col.optimize("nope", fit=False, apart=True).items == 0


def test_python_m_quizzer_is_safe_to_import_in_a_spawned_child(tmp_path: Path) -> None:
    """Under ``python -m quizzer`` a spawned child imports ``quizzer.__main__`` again as
    ``__mp_main__`` (multiprocessing does): that must not start the command line again."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; sys.argv = ['quizzer', 'decks']; "
            "runpy.run_module('quizzer', run_name='__mp_main__')",
        ],
        capture_output=True,
        text=True,
        env=run_env(tmp_path / "home"),
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_child_process_starts_under_a_captured_stderr(tmp_path: Path) -> None:
    """Inside the Textual app ``sys.stderr`` is a capture object with no file descriptor,
    and starting the pool failed ("bad value(s) in fds_to_keep"): the statistics screen
    never showed the fit of a large history. Run in a fresh process, as the resource
    tracker is started once per process."""
    log = write_history(tmp_path / "history.csv", cards=30)
    script = f"""
import io, sys
from quizzer import Collection, optimize
from quizzer.history import import_reviews

class Captured(io.StringIO):
    def fileno(self):
        return -1

col = Collection.open({str(tmp_path / "c.db")!r})
import_reviews(col.store, __import__("pathlib").Path({str(log)!r}))
optimize.APART_ABOVE = 10
sys.stderr = Captured()
print(col.optimize(fit=False, apart=True).items)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=run_env(tmp_path / "home"),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100
