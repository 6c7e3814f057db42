"""Statistics as tables: for the terminal (Rich), as CSV tables, and as Markdown.

Every view is built from the one structure :func:`quizzer.stats.compute_stats` returns,
so the formats never disagree. Deck text (titles, prompts) is always literal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quizzer.summary import streak_text
from quizzer.text import safe_text

__all__ = ["TABLES", "markdown_report", "rich_report", "table_rows"]


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def _num(value: Any) -> Any:
    return "—" if value is None else value


def _t_cards(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return ["state", "cards"], [[k, v] for k, v in s["cards"].items()]


def _t_decks(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return (
        ["deck", "title", "cards", "mature", "mastery", "review_answers", "true_retention"],
        [
            [
                d["deck"],
                d["title"],
                d["cards"],
                d["mature"],
                d["mastery"],
                d["review_answers"],
                d["true_retention"],
            ]
            for d in s["decks"]
        ],
    )


def _t_activity(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["date", "scheduled", "practice", "seconds", "review_answers", "passed"]
    return header, [[d[h] for h in header] for d in s["activity"]["days"]]


def _t_retention(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = [
        [
            name,
            s["retention"][name]["answers"],
            s["retention"][name]["passed"],
            s["retention"][name]["rate"],
            s["retention"]["desired"],
        ]
        for name in ("today", "7d", "30d", "365d")
    ]
    return ["window", "answers", "passed", "true_retention", "desired_retention"], rows


def _t_accuracy(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return (
        ["type", "graded", "correct", "rate"],
        [[a["type"], a["graded"], a["correct"], a["rate"]] for a in s["accuracy"]],
    )


def _t_forecast(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return ["date", "due", "overdue"], [[f["date"], f["due"], f["overdue"]] for f in s["forecast"]]


def _t_stability(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return (
        ["from_days", "to_days", "cards"],
        [[b["from_days"], b["to_days"], b["count"]] for b in s["memory"]["stability"]],
    )


def _t_difficulty(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return ["from", "to", "cards"], [
        [b["from"], b["to"], b["count"]] for b in s["memory"]["difficulty"]
    ]


def _t_retrievability(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return ["from", "to", "cards"], [
        [b["from"], b["to"], b["count"]] for b in s["memory"]["retrievability"]
    ]


def _t_buttons(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return (
        ["suggested", "applied", "count"],
        [[m["suggested"], m["applied"], m["count"]] for m in s["buttons"]["matrix"]],
    )


def _t_calibration(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return (
        ["from", "to", "predicted", "actual", "count"],
        [
            [b["from"], b["to"], b["predicted"], b["actual"], b["count"]]
            for b in s["calibration"]["bins"]
        ],
    )


def _t_hardest(s: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "list",
        "card_id",
        "deck",
        "key",
        "type",
        "prompt",
        "lapses",
        "reviews",
        "stability",
        "difficulty",
        "retrievability",
    ]
    rows = []
    for name in ("most_lapses", "lowest_retrievability"):
        for c in s["hardest"][name]:
            rows.append(
                [
                    name,
                    c["card_id"],
                    c["deck"],
                    c["key"],
                    c["type"],
                    c["prompt"],
                    c["lapses"],
                    c["reviews"],
                    c["stability"],
                    c["difficulty"],
                    c["retrievability"],
                ]
            )
    return header, rows


TABLES: dict[str, Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]] = {
    "cards": _t_cards,
    "decks": _t_decks,
    "activity": _t_activity,
    "retention": _t_retention,
    "accuracy": _t_accuracy,
    "forecast": _t_forecast,
    "stability": _t_stability,
    "difficulty": _t_difficulty,
    "retrievability": _t_retrievability,
    "buttons": _t_buttons,
    "calibration": _t_calibration,
    "hardest": _t_hardest,
}


def table_rows(stats: dict[str, Any], name: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of table ``name`` (one of :data:`TABLES`)."""
    return TABLES[name](stats)


def _md_cell(value: Any) -> str:
    text = safe_text(str(_num(value)), keep_newlines=False)
    return text.replace("|", "\\|")


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_report(stats: dict[str, Any]) -> str:
    """A report a person can paste into notes."""
    f = stats["filters"]
    scope = f"deck `{f['deck']}`" if f["deck"] else "all decks"
    if f["tag"]:
        scope += f", tag `{f['tag']}`"
    c, r, cal = stats["cards"], stats["retention"], stats["calibration"]
    act = stats["activity"]
    out = [
        f"# quizzer progress — {scope}",
        "",
        f"Generated {stats['generated_at'][:16].replace('T', ' ')} UTC; reviews from "
        f"{f['since'] or 'the start'} to {f['until']}.",
        "",
        f"- **Cards:** {c['total']} ({c['new']} new, {c['learning'] + c['relearning']} "
        f"learning, {c['review']} review; {c['mature']} mature, {c['suspended']} suspended, "
        f"{c['leech']} leeches)",
        f"- **Reviews:** {act['total']['scheduled']} scheduled and "
        f"{act['total']['practice']} practice on {act['days_studied']} days, "
        f"{act['total']['seconds'] / 60:.0f} minutes",
        f"- **Streak:** {streak_text(act['streak']['current'], act['streak']['longest'])}",
        f"- **True retention (30 days):** {_pct(r['30d']['rate'])} against a desired "
        f"{r['desired']:.0%}",
        f"- **Estimated knowledge:** {stats['memory']['estimated_knowledge']} cards",
        f"- **Model fit:** log loss {_num(cal['log_loss'])}, RMSE(bins) "
        f"{_num(cal['rmse_bins'])} over {cal['reviews']} reviews",
        "",
    ]
    sections = [
        ("Decks", "decks"),
        ("Retention", "retention"),
        ("Accuracy by card type", "accuracy"),
        ("Forecast", "forecast"),
        ("Calibration", "calibration"),
        ("Answer buttons", "buttons"),
        ("Hardest cards", "hardest"),
    ]
    for title, name in sections:
        header, rows = table_rows(stats, name)
        if name == "forecast":
            rows = rows[:14]
        out += [f"## {title}", "", _md_table(header, rows), ""]
    return "\n".join(out)


def rich_report(stats: dict[str, Any]) -> list[Any]:
    """Rich renderables for ``quizzer stats`` in a terminal."""
    from rich.table import Table
    from rich.text import Text

    def table(
        title: str,
        header: list[str],
        rows: list[list[Any]],
        fmt: dict[int, Callable[[Any], str]] | None = None,
    ) -> Table:
        t = Table(title=title, title_justify="left", title_style="bold")
        for h in header:
            t.add_column(h)
        for row in rows:
            cells = []
            for i, v in enumerate(row):
                shown = fmt[i](v) if fmt and i in fmt else str(_num(v))
                cells.append(Text(safe_text(shown, keep_newlines=False)))
            t.add_row(*cells)
        return t

    c, r, cal, act = stats["cards"], stats["retention"], stats["calibration"], stats["activity"]
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row(
        "Cards",
        f"{c['total']} · {c['new']} new · "
        f"{c['learning'] + c['relearning']} learning · {c['review']} review · "
        f"{c['mature']} mature",
    )
    summary.add_row(
        "Flags",
        f"{c['suspended']} suspended · {c['buried']} buried · "
        f"{c['leech']} leeches · {c['retired']} retired",
    )
    summary.add_row(
        "Reviews",
        f"{act['total']['scheduled']} scheduled · "
        f"{act['total']['practice']} practice · "
        f"{act['total']['seconds'] / 60:.0f} min",
    )
    summary.add_row("Streak", streak_text(act["streak"]["current"], act["streak"]["longest"]))
    summary.add_row(
        "Knowledge", f"{stats['memory']['estimated_knowledge']} cards (sum of recall probabilities)"
    )
    summary.add_row(
        "Model fit",
        f"log loss {_num(cal['log_loss'])} · RMSE(bins) "
        f"{_num(cal['rmse_bins'])} · {cal['reviews']} reviews",
    )
    pct: dict[int, Callable[[Any], str]] = {2: _pct, 3: _pct}
    out: list[Any] = [summary]
    out.append(
        table(
            "Retention (review cards)",
            ["window", "answers", "true retention", "desired"],
            [
                [w, r[w]["answers"], r[w]["rate"], r["desired"]]
                for w in ("today", "7d", "30d", "365d")
            ],
            pct,
        )
    )
    _, rows = table_rows(stats, "decks")
    out.append(
        table(
            "Decks",
            ["deck", "cards", "mature", "mastery", "true retention"],
            [[d[1], d[2], d[3], d[4], d[6]] for d in rows],
            {3: _pct, 4: _pct},
        )
    )
    if stats["accuracy"]:
        out.append(
            table(
                "Accuracy by card type",
                ["type", "graded", "correct", "rate"],
                table_rows(stats, "accuracy")[1],
                {3: _pct},
            )
        )
    week = stats["forecast"][:7]
    out.append(
        table("Due in the next days", ["date", "due"], [[f["date"], f["due"]] for f in week])
    )
    out.append(
        table(
            "Calibration: predicted recall against actual",
            ["predicted range", "predicted", "actual", "reviews"],
            [
                [f"{b['from']:.0%}–{b['to']:.0%}", b["predicted"], b["actual"], b["count"]]
                for b in cal["bins"]
                if b["count"]
            ],
            {1: _pct, 2: _pct},
        )
    )
    hard = stats["hardest"]["most_lapses"][:5]
    if hard:
        out.append(
            table(
                "Hardest cards",
                ["deck", "prompt", "lapses", "recall now"],
                [[h["deck"], h["prompt"][:50], h["lapses"], h["retrievability"]] for h in hard],
                {3: _pct},
            )
        )
    return out
