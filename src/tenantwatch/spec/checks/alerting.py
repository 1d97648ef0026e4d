"""Checks of where alerts go and when: channels, escalation, maintenance windows, remediation."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, Iterator

from pydantic import ValidationError

from tenantwatch.conventions import ESCALATION_LEVELS
from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.checks.registry import Sections, check, error, names, unknown, warning
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.messages import describe
from tenantwatch.spec.units import is_secret_reference

_SECRET_FIELDS = ("webhook_url", "routing_key", "password", "url")


@check("escalation", "channels")
def _escalation(s: Sections) -> Iterator[Issue]:
    seen: set[str] = set()
    previous: tuple[str, float] | None = None
    for i, level in enumerate(s["escalation"]):
        if level.level in seen:
            yield error(("escalation", i, "level"), f"duplicate escalation level {level.level}")
        seen.add(level.level)
        for j, channel in enumerate(level.notify):
            if channel not in names(s, "channels"):
                yield error(("escalation", i, "notify", j), unknown("channel", channel, names(s, "channels")))
        if previous and (ESCALATION_LEVELS.index(level.level) < ESCALATION_LEVELS.index(previous[0]) or level.after < previous[1]):
            yield error(("escalation", i, "after"),
                        f"{level.level} comes after {previous[0]} but its timer is earlier or it is listed out of order; "
                        "list levels L1..L4 with non-decreasing `after`")
        previous = (level.level, level.after)


@check("channels")
def _secrets_in_clear(s: Sections) -> Iterator[Issue]:
    for name, channel in s["channels"].items():
        for fld in _SECRET_FIELDS:
            value = getattr(channel, fld, None)
            if fld == "url" and channel.type == "pagerduty":
                continue
            if isinstance(value, str) and not is_secret_reference(value):
                yield warning(("channels", name, fld),
                              "secret written in clear; use env:NAME (or file:/path) so it stays out of the spec and rendered files")


@check("maintenance")
def _maintenance(s: Sections) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, window in enumerate(s["maintenance"]):
        path = ("maintenance", i)
        if window.name in seen:
            yield error((*path, "name"), f"duplicate maintenance window name {window.name!r}")
        seen.add(window.name)
        one_off = window.start is not None or window.end is not None
        if one_off and window.recurring is not None:
            yield error(path, "give either start/end (one-off) or recurring, not both")
        elif not one_off and window.recurring is None:
            yield error(path, "a maintenance window needs start and end, or recurring")
        elif one_off and (window.start is None or window.end is None):
            yield error(path, "a one-off maintenance window needs both start and end")
        elif one_off and _aware(window.end) <= _aware(window.start):
            yield error((*path, "end"), "the window ends before it starts")
        for tenant in window.tenants:
            if tenant not in names(s, "tenants"):
                yield error((*path, "tenants"), unknown("tenant", tenant, names(s, "tenants")))
        for service in window.services:
            if service not in names(s, "services"):
                yield error((*path, "services"), unknown("service", service, names(s, "services")))
        if window.recurring is not None:
            yield from _recurring(window.recurring, (*path, "recurring"))


def _recurring(rec: Any, path: tuple[object, ...]) -> Iterator[Issue]:
    try:
        zoneinfo.ZoneInfo(rec.location)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield error((*path, "location"), f"unknown time zone {rec.location!r} (use an IANA name like Europe/Berlin)")
    if not (rec.weekdays or rec.times or rec.days_of_month or rec.months):
        yield error(path, "a recurring window needs weekdays, times, days_of_month or months")
    if rec.times:
        start, end = rec.times.split("-")
        if end <= start:
            yield error((*path, "times"), "the window ends before it starts (split a window across midnight in two)")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@check("remediation")
def _remediation(s: Sections) -> Iterator[Issue]:
    for i, rule in enumerate(s["remediation"].rules):
        path = ("remediation", "rules", i)
        params_model = ACTION_PARAMS.get(rule.action)
        if params_model is None:
            yield error((*path, "action"), unknown("action", rule.action, list(ACTION_PARAMS)) +
                        f"; allowed: {', '.join(ACTION_PARAMS)}")
            continue
        try:
            params_model.model_validate(rule.params)
        except ValidationError as exc:
            for err in exc.errors():
                msg = describe(err, list(params_model.model_fields)).replace("unknown key", "unknown parameter")
                yield error((*path, "params", *err["loc"]), f"{rule.action}: {msg}")
        for key in rule.match:
            if not key.replace("_", "a").isalnum() or key[0].isdigit():
                yield error((*path, "match", key), "not a valid label name")
