"""Resolve secret references from the spec (`env:NAME`, `file:/path`, or a value in clear).

Resolution happens at the moment of use, from an environ mapping the caller passes, so the
spec and rendered files hold only references. Errors name the variable or file, never a value.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Mapping

ENV_PREFIX = "env:"
FILE_PREFIX = "file:"


class SecretError(ValueError):
    """A secret reference that cannot be resolved; the message is safe to print and log."""


def resolve_secret(value: str, environ: Mapping[str, str], *, field: str = "secret") -> str:
    """The secret a reference points to; `field` (e.g. `channels.slack.webhook_url`) prefixes errors."""
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        resolved = environ.get(name)
        if not resolved:
            raise SecretError(f"{field}: environment variable {name} is not set (or empty)")
        return resolved
    if value.startswith(FILE_PREFIX):
        path = Path(value[len(FILE_PREFIX):])
        try:
            resolved = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretError(f"{field}: cannot read secret file {path} ({exc.strerror or type(exc).__name__})") from None
        if not resolved:
            raise SecretError(f"{field}: secret file {path} is empty")
        return resolved
    return value


def error_origin(exc: BaseException) -> str:
    """`Type at file:line` of an unexpected exception: enough to debug, without its message,
    which may quote a URL, DSN or key."""
    frames = traceback.extract_tb(exc.__traceback__)
    place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {place}"
