"""Run the benchmarks: ``python -m benchmarks [--scale small|full] [--only NAME]``.

Each measure runs quizzer and a reference in the same run (ratios hold on a noisy
shared machine; absolute times don't), prints a table and writes
``benchmarks/results/latest.json``. Small scale is a smoke test for CI; full scale is
what ``docs/performance.md`` reports. Set ``QUIZZER_ANKI_PYTHON`` to a Python that has
``pip install anki`` to compare with the Anki backend (never a project dependency).
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

from benchmarks.measures import MEASURES, new_workdir

SCALES = {
    "small": {"runs": 3, "import_cards": 500, "import_runs": 2, "cards": 600,
              "reviews": 3000, "stats_reviews": 5000, "days": 120, "answers": 50,
              "anki": False, "anki_notes": 1000},
    "full": {"runs": 7, "import_cards": 10_000, "import_runs": 3, "cards": 100_000,
             "reviews": 200_000, "stats_reviews": 1_000_000, "days": 365, "answers": 500,
             "anki": True, "anki_notes": 100_000},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", choices=sorted(MEASURES), action="append")
    parser.add_argument("--output", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "latest.json")
    args = parser.parse_args(argv)
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
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'measure':<16}{'ours ms':>12}{'ref ms':>12}{'ratio':>9}{'target':>9}  met  note")
    for r in results:
        key = "p99" if r["name"].endswith("_p99") else "median"
        ref = r["reference"][key] if r["reference"] else None
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        target = f"≤{r['target']}" if r["target"] is not None else "—"
        met = {True: "yes", False: "NO", None: "—"}[r["met"]]
        print(f"{r['name']:<16}{r['ours'][key]:>12.2f}{(ref if ref is not None else 0):>12.2f}"
              f"{ratio:>9}{target:>9}  {met:<4} {r['note']}")
    print(f"wrote {args.output} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
