"""Run the benchmarks: ``python -m benchmarks [--scale small|full] [--only NAME]``.

Each measure runs quizzer and a reference in the same run (ratios hold on a noisy
shared machine; absolute times don't), prints a table and writes
``benchmarks/results/latest.json``. Small scale is a smoke test for CI; full scale is
what ``docs/performance.md`` reports. Set ``QUIZZER_ANKI_PYTHON`` to a Python that has
``pip install anki`` to compare with the Anki backend (never a project dependency), and
``QUIZZER_BENCH_PG_URL`` to a PostgreSQL server for ``answer_pg``; without them those
references are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.measures import MEASURES, new_workdir

#: Small scale is CI's smoke test (well under a minute on 2 cores); full scale is issue
#: #9's: 100,000 cards, 1,000,000 reviews for stats, a 10,000-card deck to import.
SCALES = {
    "small": {"runs": 3, "import_cards": 500, "import_runs": 2, "cards": 600,
              "reviews": 3000, "stats_reviews": 5000, "days": 120, "answers": 50,
              "anki_runs": 1, "tui_presses": 6, "rss_answers": 3},
    "full": {"runs": 7, "import_cards": 10_000, "import_runs": 5, "cards": 100_000,
             "reviews": 200_000, "stats_reviews": 1_000_000, "days": 365, "answers": 500,
             "anki_runs": 3, "tui_presses": 40, "rss_answers": 20},
}


def table(results: list[dict[str, Any]]) -> str:
    """The results as a text table (also what docs/performance.md shows)."""
    lines = [f"{'measure':<16}{'ours':>12}{'reference':>12}{'ratio':>8}{'target':>11}"
             "  met  note"]
    for r in results:
        key, unit = r.get("key", "median"), r.get("unit", "ms")
        ref = r["reference"][key] if r["reference"] else None
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        if r["target"] is None:
            target = "—"
        elif r.get("target_absolute"):
            target = f"≤{r['target']} {unit}"
        else:
            target = f"≤{r['target']}×"
        met = {True: "yes", False: "NO", None: "—"}[r["met"]]
        ours = f"{r['ours'][key]:.2f} {unit}" if r["ours"].get("n") else "—"
        theirs = f"{ref:.2f} {unit}" if ref is not None else "—"
        lines.append(f"{r['name']:<16}{ours:>12}{theirs:>12}{ratio:>8}{target:>11}  "
                     f"{met:<4} {r['note']}")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """A results file as the Markdown table of docs/performance.md."""
    lines = ["| measure | stat | ours | reference | ratio | target | met |",
             "|---|---|--:|--:|--:|--:|:-:|"]
    for r in report["results"]:
        key, unit = r.get("key", "median"), r.get("unit", "ms")
        stat = "peak" if unit == "MB" else key
        ours = f"{r['ours'][key]:,.2f} {unit}" if r["ours"].get("n") else "skipped"
        ref = (f"{r['reference'][key]:,.2f} {unit} ({r['reference_name']})"
               if r["reference"] else r["reference_name"])
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "—"
        target = ("—" if r["target"] is None else f"≤ {r['target']} {unit}"
                  if r.get("target_absolute") else f"≤ {r['target']}×")
        met = {True: "yes", False: "**no**", None: "—"}[r["met"]]
        lines.append(f"| {r['name']} | {stat} | {ours} | {ref} | {ratio} | {target} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", choices=sorted(MEASURES), action="append")
    parser.add_argument("--output", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "latest.json")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other measures' rows already in --output (to re-run "
                             "some with --only)")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="print the results in FILE as a Markdown table and exit")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    scale = SCALES[args.scale]
    work = new_workdir()
    os.environ["QUIZZER_HOME"] = str(work / "home")
    results = []
    started = time.perf_counter()
    try:
        for name in args.only or list(MEASURES):
            print(f"… {name}", file=sys.stderr, flush=True)
            out = MEASURES[name](scale, work)
            results += out if isinstance(out, list) else [out]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "scale": args.scale, "generated_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "results": results,
    }
    if args.merge and args.output.exists():
        old = json.loads(args.output.read_text())
        if old.get("scale") == args.scale:
            fresh = {r["name"]: r for r in results}
            results = [fresh.pop(r["name"], r) for r in old["results"]] + list(fresh.values())
            report["results"] = results
            report["seconds"] = round(report["seconds"] + old.get("seconds", 0), 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(table(results))
    print(f"wrote {args.output} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
