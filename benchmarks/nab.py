"""NAB score, points/s and predictive lead time of tenantwatch's detectors.

Runs `tenantwatch bench nab` (our ensemble beside NAB's null / perfect references, a random
detector and the rolling Gaussian z-score a user would otherwise write as a Prometheus
band rule, all on the same files, with the tuned / held-out split), then
`tenantwatch bench predictive` (lead time of the time-to-full alert on a filling disk).
The process pins itself to one CPU (like `taskset -c 0`), so points/s are per core.

    .venv/bin/python benchmarks/nab.py --data NAB/data [--out /tmp/nab-results] [--cpu 0]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tenantwatch.cli import app

DATA_HELP = ("a NAB checkout's data/ folder (git clone https://github.com/numenta/NAB; the labels are read "
             "from its labels/ next to it), or a folder of the same layout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help=DATA_HELP)
    parser.add_argument("--out", type=Path, default=Path("/tmp/tenantwatch-nab"))
    parser.add_argument("--cpu", type=int, default=0, help="CPU the benchmark is pinned to (-1: do not pin)")
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
        print(f"pinned to CPU {args.cpu}: points/s below are per core")
    for argv in (["bench", "nab", "--data", str(args.data), "--out", str(args.out)], ["bench", "predictive"]):
        try:
            app(argv, prog_name="tenantwatch")
        except SystemExit as done:
            if done.code:
                raise


if __name__ == "__main__":
    main()
