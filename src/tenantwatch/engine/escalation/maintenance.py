"""Maintenance windows: whether the spec holds back an incident's notifications right now.

A window applies to an incident when its `tenants` (empty = all) contain the incident's
tenant and its `services` (empty = all) contain every service of the incident, so a
database window never hides an outage of something else. One-off windows use `start` /
`end`; recurring ones are checked in their own timezone (`location`), with start/end as
optional outer bounds.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable
from zoneinfo import ZoneInfo

from tenantwatch.spec.models import MaintenanceWindow, Recurring, Spec

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _recurring_matches(rule: Recurring, now: dt.datetime) -> bool:
    """Times are [start, end) on the same day (the spec refuses windows across midnight)."""
    local = now.astimezone(ZoneInfo(rule.location))
    if rule.times:
        start, end = (_minutes(part) for part in rule.times.split("-"))
        if not start <= local.hour * 60 + local.minute < end:
            return False
    if rule.weekdays and WEEKDAYS[local.weekday()] not in rule.weekdays:
        return False
    if rule.days_of_month and local.day not in rule.days_of_month:
        return False
    return not rule.months or local.month in rule.months


def is_active(window: MaintenanceWindow, now: dt.datetime) -> bool:
    """Whether the window is open at `now` (aware datetime)."""
    if window.start is not None and now < _aware(window.start):
        return False
    if window.end is not None and now >= _aware(window.end):
        return False
    if window.recurring is not None:
        return _recurring_matches(window.recurring, now)
    return window.start is not None or window.end is not None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def holding_window(spec: Spec, tenant: str, services: Iterable[str], now: dt.datetime) -> str | None:
    """The name of the first active window that covers this tenant and services, if any."""
    wanted = set(services)
    for window in spec.maintenance:
        if window.tenants and tenant not in window.tenants:
            continue
        if window.services and not (wanted and wanted <= set(window.services)):
            continue
        if is_active(window, now):
            return window.name
    return None
