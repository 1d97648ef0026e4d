"""Python twins of Prometheus' template functions, so generated tests can predict annotations.

promtool compares annotations exactly; these mirror Go's humanize, humanizePercentage and
humanizeDuration (Prometheus 2.x template.go) for finite values.
"""

from __future__ import annotations

import math


def _g4(value: float) -> str:
    return "%.4g" % value


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
        return _g4(value) + prefix
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return _g4(value) + prefix


def humanize_percentage(value: float) -> str:
    return _g4(value * 100) + "%"


def humanize_duration(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value) + "s"
    if abs(value) >= 1:
        whole = int(value)
        days, hours = whole // 86400, whole // 3600 % 24
        minutes, seconds = whole // 60 % 60, whole % 60
        if days:
            return f"{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{minutes}m {seconds}s"
        return _g4(value) + "s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return _g4(value) + prefix + "s"


FORMATTERS = {"humanize": humanize, "humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration}
