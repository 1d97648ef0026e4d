"""Load-forecast error of tenantwatch against the shortcuts an operator uses without it.

Runs `tenantwatch bench forecast` (24 h ahead from 12 points spread over each series) on
real series of the NAB subset: taxi demand (a load with a strong weekly rhythm), machine
and room temperatures and an autoscaling group's CPU. Beside tenantwatch's forecast it
prints PromQL's `offset 1w` and `offset 1d` and "the current value holds", and how often
tenantwatch's 90 % interval held the actual hour.

    .venv/bin/python benchmarks/forecast.py --data NAB/data [--origins 12] [--horizon 24h]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tenantwatch.cli import app

DATA_HELP = ("a NAB checkout's data/ folder (git clone https://github.com/numenta/NAB; the labels are read "
             "from its labels/ next to it), or a folder of the same layout")
SERIES = ("realKnownCause/nyc_taxi.csv", "realKnownCause/ambient_temperature_system_failure.csv",
          "realKnownCause/machine_temperature_system_failure.csv", "realKnownCause/cpu_utilization_asg_misconfiguration.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help=DATA_HELP)
    parser.add_argument("--origins", default="12")
    parser.add_argument("--horizon", default="24h")
    args = parser.parse_args()
    for name in SERIES:
        try:
            app(["bench", "forecast", "--csv", str(args.data / name), "--origins", args.origins,
                 "--horizon", args.horizon], prog_name="tenantwatch")
        except SystemExit as done:
            if done.code:
                raise


if __name__ == "__main__":
    main()
