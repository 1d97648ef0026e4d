"""The exit codes of every command, one meaning each, so a CI script can rely on them."""

from __future__ import annotations

from enum import IntEnum

import typer
from rich.console import Console

_err = Console(stderr=True, soft_wrap=True)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the command ran and something failed: a check, a delivery, a difference (--check)
    INVALID = 2  # refused before acting: an invalid spec, a bad option, an unknown tenant or channel


def fail(message: str, code: ExitCode = ExitCode.FAILED) -> typer.Exit:
    """Print why on stderr, as is (no markup: it may quote user input), and give the Exit to raise."""
    _err.print(message, markup=False, highlight=False)
    return typer.Exit(code)
