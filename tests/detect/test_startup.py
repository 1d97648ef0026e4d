"""The command line starts without loading the numeric stack, and offers every registered detector."""

from __future__ import annotations

import subprocess
import sys

from tenantwatch.detect.names import DEFAULT, DETECTOR_NAMES
from tenantwatch.detect.registry import DETECTORS


def test_cli_import_leaves_numpy_pandas_scipy_unloaded() -> None:
    probe = ("import sys, tenantwatch.cli; "
             "print(sorted(m for m in ('numpy', 'pandas', 'scipy.stats', 'statsmodels') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert "pandas" not in loaded and "scipy.stats" not in loaded and "statsmodels" not in loaded, loaded


def test_command_line_names_match_the_registry() -> None:
    assert tuple(DETECTORS) == DETECTOR_NAMES
    assert DEFAULT in DETECTORS
