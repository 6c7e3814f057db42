"""Fitting FSRS parameters to the learner's own history, with fsrs-rs (Anki's trainer).

The review log becomes fsrs-rs *items* as fsrs-rs defines them: for each card, one item
per review that falls on a later study day than the review before it, holding the
card's history up to and including that review (with ``delta_t``, the days between
reviews); items without a long-term review are dropped. Only scheduled answers count,
and a progress reset starts a card's history over.

**The items are in review-time order**, across cards, as Anki passes them (it sorts
them by revlog id). The order is part of the definition: fsrs-rs weighs each item by
its position in the list — weight ``0.25 + 0.75·(i/(n−1))³``, so recent reviews count
up to four times as much — in ``evaluate`` (log loss and RMSE(bins)) and in training.
The same items grouped card by card give different figures (see
``docs/personal-scheduling.md``).

fsrs-rs returns its default parameters, silently, when it has fewer than
:data:`MIN_ITEMS` items; :func:`optimize` says so instead of pretending to have fitted.

:func:`suggest_retention` asks fsrs-rs's workload simulation for the desired retention
that costs the least study time per card remembered, with a simulator set up from the
collection (see :func:`simulator_inputs`), and simulates the workload at that retention
and at the current one so that the trade-off can be shown in figures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select

from quizzer.errors import QuizzerError
from quizzer.store.db import Store
from quizzer.store.models import cards_t, decks_t, reviews_t

if TYPE_CHECKING:
    from quizzer.study.settings import StudySettings

__all__ = [
    "APART_ABOVE",
    "MIN_ITEMS",
    "RETENTION_RANGE",
    "SIMULATED_DAYS",
    "SLOW_SIMULATION",
    "Fit",
    "OptimizeResult",
    "RetentionError",
    "RetentionSuggestion",
    "SimulatorInputs",
    "Workload",
    "build_items",
    "current_parameters",
    "evaluate",
    "item_reviews",
    "items_in_time_order",
    "optimize",
    "optimize_apart",
    "simulator_inputs",
    "suggest_retention",
]

#: fsrs-rs fits nothing below this many items (it returns its defaults); found by
#: bisecting on real data, and checked in the tests.
MIN_ITEMS = 33


@dataclass(frozen=True, slots=True)
class Fit:
    """How well a set of parameters predicts the history."""

    parameters: tuple[float, ...]
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    """The current parameters' fit, the fitted ones', and whether fitting was possible."""

    items: int
    reviews: int
    current: Fit | None
    fitted: Fit | None
    enough: bool

    @property
    def better(self) -> bool:
        """Whether the fitted parameters predict the history better (lower log loss)."""
        return bool(self.fitted and self.current and self.fitted.log_loss < self.current.log_loss)


def _answers(store: Store, deck: str | None) -> Iterator[tuple[int, int, int, str]]:
    """Every scheduled answer and reset, ``(card, epoch seconds, rating, mode)``, in
    time order (ties by card), streamed: a large log never sits in memory as rows.

    The table is scanned and sorted rather than read in the order of its time index
    (a random read per review: 5.4 s instead of 1.2 s at 1,000,000 reviews), and the
    times come as integers, which cost nothing to convert.
    """
    from quizzer.store.sqlfuncs import epoch_seconds, unindexed

    query = (
        select(
            reviews_t.c.card_id,
            epoch_seconds(reviews_t.c.reviewed_at),
            reviews_t.c.rating,
            reviews_t.c.mode,
        )
        .where(reviews_t.c.mode.in_(("scheduled", "reset")))
        .order_by(unindexed(reviews_t.c.reviewed_at), reviews_t.c.card_id, reviews_t.c.id)
        .execution_options(yield_per=5000)
    )
    if deck is not None:
        query = query.where(
            reviews_t.c.card_id.in_(
                select(cards_t.c.id)
                .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                .where(decks_t.c.slug == deck)
            )
        )
    with store.read() as session:
        yield from session.execute(query)


def items_in_time_order(
    answers: Iterable[tuple[Any, Any, int, str]],
    day_of: Callable[[Any], date],
    review: Callable[[int, int], Any],
    item: Callable[[list[Any]], Any],
) -> tuple[list[Any], int]:
    """The items of fsrs-rs's definition, in review-time order; and the review count.

    ``answers`` are ``(card, when, rating, mode)`` in time order, a ``reset`` starting
    the card's history over; ``day_of(when)`` is an answer's study day. Each answer on a
    later study day than the card's previous answer gives one item: the card's answers
    up to and including it, made by ``item`` from the ``review(rating, delta_t)`` of
    each, ``delta_t`` being the study days since the previous answer (0 for the first
    and for same-day answers, which stay in the history). ``item`` must copy the list.

    Built as the answers stream by, each review made once: the items of 1,000,000
    answers once took 500 MB as lists of per-card prefixes before their conversion.
    """
    histories: dict[Any, tuple[date | None, list[Any]]] = {}
    made: dict[Any, list[int]] = {}  # a card's items, by position, until a reset
    items: list[Any] = []
    count = 0
    for card, when, rating, mode in answers:
        if mode == "reset":
            # The history starts over: what came before it counts for nothing, the
            # items it already gave included.
            count -= len(histories.pop(card, (None, []))[1])
            for position in made.pop(card, ()):
                items[position] = None
            continue
        count += 1
        day = day_of(when)
        last, reviews = histories.get(card) or (None, [])
        delta = 0 if last is None else (day - last).days
        reviews.append(review(rating, delta))
        if delta > 0:
            made.setdefault(card, []).append(len(items))
            items.append(item(reviews))  # fsrs-rs weighs items by position: time order
        histories[card] = (day, reviews)
    return [i for i in items if i is not None], count


def _in_time_order(
    histories: dict[Any, list[tuple[datetime, int, str]]],
) -> list[tuple[Any, datetime, int, str]]:
    """Per-card histories as one stream of answers in time order (ties by card)."""
    order = {card: position for position, card in enumerate(histories)}
    answers = [
        (card, when, rating, mode)
        for card, history in histories.items()
        for when, rating, mode in history
    ]
    answers.sort(key=lambda a: (a[1], order[a[0]]))  # stable: a card's own order stays
    return answers


def item_reviews(
    histories: dict[Any, list[tuple[datetime, int, str]]], day_of: Any
) -> tuple[list[list[tuple[int, int]]], int]:
    """The items of ``histories`` (a card's answers ``(when, rating, mode)`` in time
    order, per card), as lists of ``(rating, delta_t)``; and the review count (see
    :func:`items_in_time_order`)."""
    return items_in_time_order(_in_time_order(histories), day_of, lambda r, d: (r, d), list)


def build_items(
    histories: dict[Any, list[tuple[datetime, int, str]]], day_of: Any
) -> tuple[list[Any], int]:
    """fsrs-rs items from per-card histories (see :func:`item_reviews`); and the review
    count."""
    return _fsrs_items(_in_time_order(histories), day_of)


def _fsrs_items(
    answers: Iterable[tuple[Any, Any, int, str]], day_of: Callable[[Any], date]
) -> tuple[list[Any], int]:
    from fsrs_rs_python import FSRSItem, FSRSReview

    items, count = items_in_time_order(answers, day_of, FSRSReview, FSRSItem)
    return [i for i in items if i.long_term_review_cnt() > 0], count


def evaluate(parameters: tuple[float, ...], items: list[Any]) -> Fit:
    """Log loss and RMSE(bins) of ``parameters`` on ``items``."""
    from fsrs_rs_python import FSRS

    result = FSRS(list(parameters)).evaluate(items)
    return Fit(tuple(parameters), float(result.log_loss), float(result.rmse_bins))


def _settings(store: Store, deck: str | None) -> StudySettings:
    from quizzer.study import repo

    with store.read() as session:
        return repo.deck_settings(session, deck)


def current_parameters(settings: StudySettings) -> tuple[float, ...]:
    """The parameters scheduling uses: the setting, or fsrs-rs's (FSRS-6) defaults."""
    from fsrs_rs_python import DEFAULT_PARAMETERS

    return tuple(settings.parameters) or tuple(float(p) for p in DEFAULT_PARAMETERS)


#: Answers above which :func:`optimize_apart` evaluates in a child process: about 1.5 s
#: of Python and 30 MB of items per 100,000 answers, which an app would otherwise hold.
APART_ABOVE = 100_000


def optimize_apart(store: Store, deck: str | None = None, fit: bool = True) -> OptimizeResult:
    """:func:`optimize`, run in a child process when the log is large.

    For an app that stays open: at 1,000,000 answers the items and fsrs-rs's evaluation
    take ~270 MB and ~6 s of the interpreter, which in a thread would make every frame
    of the UI wait and stay in its memory afterwards (Python keeps freed pages). The
    child opens the same database by URL and returns the result; a small log is
    evaluated here, as starting a process costs more than the work.
    """
    with store.read() as session:
        answers = session.execute(select(func.count()).select_from(reviews_t)).scalar_one()
    if answers <= APART_ABOVE:
        return optimize(store, deck, fit)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the app has threads (a forked child could inherit a held lock).
    _start_resource_tracker()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_quiet_child) as pool:
        return pool.submit(_optimize_url, store.url, deck, fit).result()


_STDERR_SWAP = threading.Lock()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real file as its stderr.

    The tracker is handed ``sys.stderr``'s file descriptor; inside a Textual app
    ``sys.stderr`` is a capture object without one, and starting a pool failed there
    ("bad value(s) in fds_to_keep"). /dev/null, not the terminal: the tracker's
    warnings would be drawn over the app's screen.
    """
    import os
    import sys
    from multiprocessing import resource_tracker

    with _STDERR_SWAP:  # two workers may start fits at once; sys.stderr is global
        saved = sys.stderr
        with open(os.devnull, "w") as devnull:
            sys.stderr = devnull
            try:
                resource_tracker.ensure_running()
            finally:
                sys.stderr = saved


def _quiet_child() -> None:
    """Point the child's standard output and error at /dev/null: it shares the app's
    terminal, where a stray warning would be drawn over the screen. Its result and any
    exception come back to the parent through the pool, not through these."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _optimize_url(url: str, deck: str | None, fit: bool) -> OptimizeResult:
    """:func:`optimize` on the database at ``url`` (in the child process)."""
    return optimize(Store(url), deck, fit)


def optimize(store: Store, deck: str | None = None, fit: bool = True) -> OptimizeResult:
    """Evaluate the current parameters and (with ``fit``) fit new ones."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    from quizzer.study.days import DayFolder, local_zone

    settings = _settings(store, deck)
    folder = DayFolder(local_zone(settings.timezone), settings.day_start_hour)

    items, reviews = _fsrs_items(_answers(store, deck), folder.day_of_epoch)
    if not items:
        return OptimizeResult(0, reviews, None, None, False)
    current_params = current_parameters(settings)
    current = evaluate(current_params, items)
    if not fit or len(items) < MIN_ITEMS:
        return OptimizeResult(len(items), reviews, current, None, len(items) >= MIN_ITEMS)
    fitted_params = tuple(float(p) for p in FSRS([]).compute_parameters(items))
    if all(abs(a - b) < 1e-6 for a, b in zip(fitted_params, DEFAULT_PARAMETERS, strict=False)):
        return OptimizeResult(len(items), reviews, current, None, False)
    return OptimizeResult(len(items), reviews, current, evaluate(fitted_params, items), True)


# -- desired retention -------------------------------------------------------------------
#: fsrs-rs searches for the optimal retention in this range only (its ``R_MIN``/``R_MAX``).
RETENTION_RANGE = (0.70, 0.95)
#: The simulated span, in days: fsrs-rs's default, and Anki's.
SIMULATED_DAYS = 365
#: A mean answer time from the log replaces fsrs-rs's default cost only when at least
#: this many timed answers back it.
MIN_TIMED = 10
#: Longer answers are left out of the costs (someone walked away); fsrs-rs's cut-off.
MAX_DURATION_MS = 20 * 60 * 1000
#: Above this many new cards learnt in the simulated span, the search takes more than a
#: few seconds (2.6 s for 7,300 — 20 a day — on 2 cores; 13 s for 10,000 at 50 a day;
#: 130 s for 30,000 at 100 a day).
SLOW_SIMULATION = 8_000
#: Simulations averaged for each workload shown (seeds 0–3).
WORKLOAD_RUNS = 4
#: fsrs-rs's smoothing: ``n`` answers of one kind weigh ``n / (n + 50)`` against its
#: defaults (Anki's users' averages) in the rating probabilities.
_PRIOR_WEIGHT = 50
# Our prior_state (0 new, 1 learning, 2 review, 3 relearning) → the simulator's cost row
# (0 learning, 1 review, 2 relearning).
_COST_ROW = {0: 0, 1: 0, 2: 1, 3: 2}


class RetentionError(QuizzerError):
    """The simulation can't suggest a retention (the message says why)."""


@dataclass(frozen=True, slots=True)
class SimulatorInputs:
    """What the workload simulation is told about the learner, and where it came from.

    Attributes:
        deck_size: Cards to learn: the deck's (or collection's) cards not retired.
        days: The simulated span.
        new_per_day: The ``new_per_day`` setting.
        reviews_per_day: The ``reviews_per_day`` setting.
        maximum_interval: The ``maximum_interval`` setting.
        learning_steps: How many learning steps (the ``learning_steps`` setting).
        relearning_steps: How many relearning steps (``relearning_steps``).
        state_rating_costs: Seconds per answer, by state (learning, review, relearning)
            and rating: the mean from the log where :data:`MIN_TIMED` timed answers back
            it, fsrs-rs's default elsewhere.
        measured_costs: Which of ``state_rating_costs`` come from the log.
        first_rating_prob: Probabilities of Again/Hard/Good/Easy for a new card's first
            answer, from the log, smoothed towards fsrs-rs's defaults.
        review_rating_prob: Probabilities of Hard/Good/Easy for a recalled review card.
        timed_answers: Scheduled answers with a usable duration.
    """

    deck_size: int
    days: int
    new_per_day: int
    reviews_per_day: int
    maximum_interval: int
    learning_steps: int
    relearning_steps: int
    state_rating_costs: tuple[tuple[float, ...], ...]
    measured_costs: tuple[tuple[bool, ...], ...]
    first_rating_prob: tuple[float, ...]
    review_rating_prob: tuple[float, ...]
    timed_answers: int

    @property
    def learnt(self) -> int:
        """New cards the simulation learns: what its run time grows with."""
        return min(self.deck_size, self.new_per_day * self.days)

    def config(self) -> Any:
        """An fsrs-rs ``SimulatorConfig`` (no daily time limit: quizzer has none)."""
        from fsrs_rs_python import default_simulator_config

        config = default_simulator_config()
        config.deck_size = self.deck_size
        config.learn_span = self.days
        config.max_cost_perday = 86_400.0
        config.max_ivl = float(self.maximum_interval)
        config.learn_limit = self.new_per_day
        config.review_limit = self.reviews_per_day
        config.new_cards_ignore_review_limit = True  # the two limits are separate here
        config.learning_step_count = self.learning_steps
        config.relearning_step_count = self.relearning_steps
        config.state_rating_costs = [list(row) for row in self.state_rating_costs]
        config.first_rating_prob = list(self.first_rating_prob)
        config.review_rating_prob = list(self.review_rating_prob)
        return config


@dataclass(frozen=True, slots=True)
class Workload:
    """The simulated study at one desired retention, averaged over :data:`WORKLOAD_RUNS`
    runs."""

    retention: float
    minutes_per_day: float
    reviews_per_day: float
    remembered: float
    days: int

    @property
    def minutes_per_card(self) -> float:
        """Study minutes per card remembered at the end: what the suggestion minimizes."""
        return self.minutes_per_day * self.days / self.remembered if self.remembered else 0.0


@dataclass(frozen=True, slots=True)
class RetentionSuggestion:
    """fsrs-rs's suggested desired retention, and the workloads at it and the current one."""

    suggested: float
    current: float
    at_suggested: Workload
    at_current: Workload
    inputs: SimulatorInputs
    seconds: float

    @property
    def at_bound(self) -> bool:
        """Whether the suggestion is an end of :data:`RETENTION_RANGE`, where fsrs-rs
        stops searching (the least time per card may lie beyond it)."""
        low, high = RETENTION_RANGE
        return self.suggested <= low + 0.005 or self.suggested >= high - 0.005


def _smoothed(counts: list[int], default: list[float]) -> tuple[float, ...]:
    total = sum(counts)
    if not total:
        return tuple(float(p) for p in default)
    weight = total / (total + _PRIOR_WEIGHT)
    return tuple(
        weight * c / total + (1 - weight) * d for c, d in zip(counts, default, strict=True)
    )


def simulator_inputs(store: Store, deck: str | None = None) -> SimulatorInputs:
    """The simulator's inputs from the collection (or ``deck``): its size, the daily
    limits and steps from the settings, answer times and rating habits from the log.

    The learning-step transitions (how often Again is followed by Good, …) stay
    fsrs-rs's defaults.
    """
    from fsrs_rs_python import default_simulator_config

    settings = _settings(store, deck)
    r = reviews_t.c
    timed = and_(r.duration_ms > 0, r.duration_ms < MAX_DURATION_MS)
    answers = (
        select(
            r.prior_state,
            r.rating,
            func.count(),
            func.count().filter(timed),
            func.sum(case((timed, r.duration_ms), else_=0)),
        )
        .join(cards_t, cards_t.c.id == r.card_id)
        .where(r.mode == "scheduled")
        .group_by(r.prior_state, r.rating)
    )
    size = select(func.count()).select_from(cards_t).where(cards_t.c.retired_at.is_(None))
    if deck is not None:
        answers = answers.join(decks_t, decks_t.c.id == cards_t.c.deck_id).where(
            decks_t.c.slug == deck
        )
        size = size.join(decks_t, decks_t.c.id == cards_t.c.deck_id).where(decks_t.c.slug == deck)
    with store.read() as session:
        rows = session.execute(answers).all()
        deck_size = int(session.execute(size).scalar() or 0)

    default = default_simulator_config()
    durations = [[0.0] * 4 for _ in range(3)]
    counted = [[0] * 4 for _ in range(3)]
    first = [0] * 4
    recalled = [0] * 3
    for prior_state, rating, count, timed_count, total_ms in rows:
        if not 1 <= rating <= 4 or prior_state not in _COST_ROW:
            continue
        row = _COST_ROW[prior_state]
        durations[row][rating - 1] += float(total_ms or 0)
        counted[row][rating - 1] += int(timed_count)
        if prior_state == 0:
            first[rating - 1] += int(count)
        elif prior_state == 2 and rating > 1:
            recalled[rating - 2] += int(count)
    measured = [[n >= MIN_TIMED for n in row] for row in counted]
    costs = [
        [
            durations[i][j] / counted[i][j] / 1000 if measured[i][j] else float(default_cost)
            for j, default_cost in enumerate(default.state_rating_costs[i])
        ]
        for i in range(3)
    ]
    return SimulatorInputs(
        deck_size=deck_size,
        days=SIMULATED_DAYS,
        new_per_day=settings.new_per_day,
        reviews_per_day=settings.reviews_per_day,
        maximum_interval=settings.maximum_interval,
        learning_steps=len(settings.learning_steps),
        relearning_steps=len(settings.relearning_steps),
        state_rating_costs=tuple(tuple(row) for row in costs),
        measured_costs=tuple(tuple(row) for row in measured),
        first_rating_prob=_smoothed(first, default.first_rating_prob),
        review_rating_prob=_smoothed(recalled, default.review_rating_prob),
        timed_answers=sum(map(sum, counted)),
    )


def _workload(parameters: list[float], retention: float, config: Any, days: int) -> Workload:
    from fsrs_rs_python import simulate

    minutes = reviews = remembered = 0.0
    for seed in range(WORKLOAD_RUNS):
        run = simulate(parameters, retention, config, seed)
        minutes += sum(run.cost_per_day) / 60 / days
        reviews += sum(run.review_cnt_per_day) / days
        remembered += run.memorized_cnt_per_day[-1]
    n = WORKLOAD_RUNS
    return Workload(retention, minutes / n, reviews / n, remembered / n, days)


def suggest_retention(
    store: Store,
    deck: str | None = None,
    parameters: tuple[float, ...] | None = None,
    starting: Callable[[SimulatorInputs], None] | None = None,
) -> RetentionSuggestion:
    """fsrs-rs's optimal retention (the least study time per card remembered after
    :data:`SIMULATED_DAYS` days) for ``parameters`` (default: the current ones), and the
    simulated workloads at it and at the current ``desired_retention``.

    It does not check that the history is long enough to mean anything: callers refuse
    first when :func:`optimize` says there is too little (see ``enough``). ``starting``
    is called with the simulator's inputs just before the search, which takes a few
    seconds or, with many new cards, minutes (see :data:`SLOW_SIMULATION`).

    Raises:
        RetentionError: When the collection can't be simulated (no cards, no new cards
            a day) or fsrs-rs finds no optimum.
    """
    from fsrs_rs_python import optimal_retention

    settings = _settings(store, deck)
    params = list(parameters or current_parameters(settings))
    inputs = simulator_inputs(store, deck)
    if inputs.deck_size == 0:
        raise RetentionError("there are no cards to simulate")
    if inputs.new_per_day == 0:
        raise RetentionError("new_per_day is 0: the simulation needs new cards to learn")
    if starting is not None:
        starting(inputs)
    config = inputs.config()
    started = time.perf_counter()
    try:
        found = float(optimal_retention(config, params))
    except (ValueError, RuntimeError) as exc:  # InvalidParameters, OptimalNotFound
        raise RetentionError(f"fsrs-rs found no optimal retention ({exc})") from exc
    suggested = round(min(max(found, RETENTION_RANGE[0]), RETENTION_RANGE[1]), 2)
    current = round(settings.desired_retention, 2)
    at_suggested = _workload(params, suggested, config, inputs.days)
    at_current = (
        at_suggested if current == suggested else _workload(params, current, config, inputs.days)
    )
    seconds = time.perf_counter() - started
    return RetentionSuggestion(suggested, current, at_suggested, at_current, inputs, seconds)
