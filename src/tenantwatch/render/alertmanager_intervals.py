"""Maintenance windows as Alertmanager 0.25 `time_intervals`, and which routes they mute.

Alertmanager has no absolute dates, so a one-off window (start..end) becomes, per UTC day
it touches, an interval with `years` + `months` + `days_of_month` (and `times` for a
partial day): the same instants, expressed in the calendar fields 0.25 understands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from tenantwatch import conventions
from tenantwatch.spec.models import MaintenanceWindow, Recurring

_DAY = dt.timedelta(days=1)


def time_intervals(windows: Iterable[MaintenanceWindow]) -> list[dict[str, Any]]:
    """The `time_intervals` section: one named entry per maintenance window."""
    return [{"name": w.name, "time_intervals": _intervals_of(w)} for w in windows]


def _intervals_of(window: MaintenanceWindow) -> list[dict[str, Any]]:
    if window.recurring is not None:
        return [_recurring(window.recurring)]
    assert window.start is not None and window.end is not None  # guaranteed by spec checks
    return one_off(window.start, window.end)


def _recurring(rec: Recurring) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if rec.times:
        start, end = rec.times.split("-")
        entry["times"] = [{"start_time": start, "end_time": end}]
    if rec.weekdays:
        entry["weekdays"] = list(rec.weekdays)
    if rec.days_of_month:
        entry["days_of_month"] = [str(d) for d in rec.days_of_month]
    if rec.months:
        entry["months"] = [str(m) for m in rec.months]
    entry["location"] = rec.location
    return entry


def one_off(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Intervals covering [start, end) in UTC, minute-aligned outward (start floored, end ceiled)."""
    start, end = _utc(start), _utc(end)
    start = start.replace(second=0, microsecond=0)
    if end.second or end.microsecond:
        end = end.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    entries: list[dict[str, Any]] = []
    full_days: list[dt.date] = []
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(cursor.date() + _DAY, dt.time(), dt.timezone.utc)
        until = min(end, midnight)
        if cursor.time() == dt.time() and until == midnight:
            full_days.append(cursor.date())
        else:
            entries.append(_day_entry(cursor.date(), cursor.date(), (cursor.strftime("%H:%M"), _clock(until, midnight))))
        cursor = until
    entries.extend(_day_entry(first, last, None) for first, last in _runs(full_days))
    return sorted(entries, key=lambda e: (e["years"], int(e["months"][0]), e["days_of_month"][0]))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _clock(instant: dt.datetime, midnight: dt.datetime) -> str:
    return "24:00" if instant == midnight else instant.strftime("%H:%M")


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days within one month, as (first, last) pairs."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and runs[-1][1] + _DAY == day and runs[-1][1].month == day.month:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _day_entry(first: dt.date, last: dt.date, times: tuple[str, str] | None) -> dict[str, Any]:
    days = str(first.day) if first == last else f"{first.day}:{last.day}"
    entry: dict[str, Any] = {}
    if times:
        entry["times"] = [{"start_time": times[0], "end_time": times[1]}]
    entry.update({"days_of_month": [days], "months": [str(first.month)], "years": [str(first.year)], "location": "UTC"})
    return entry


def muting_cells(windows: list[MaintenanceWindow]) -> list[tuple[list[str], list[str]]]:
    """Disjoint (matchers, window names) pairs: every alert matches at most one cell.

    Alertmanager stops at the first matching route, so overlapping windows (one by tenant,
    one by service) must be split into cells that each carry every window they fall under.
    """
    tenants = sorted({t for w in windows for t in w.tenants})
    services = sorted({s for w in windows for s in w.services})
    cells = []
    for service in [*services, None]:
        by_windows: dict[tuple[str, ...], list[str | None]] = {}
        for tenant in [*tenants, None]:
            names = tuple(w.name for w in windows if _covers(w.tenants, tenant) and _covers(w.services, service))
            if names:
                by_windows.setdefault(names, []).append(tenant)
        for names, members in by_windows.items():
            matchers = _class_matchers(conventions.TENANT, members, tenants) + _class_matchers(conventions.SERVICE, [service], services)
            cells.append((matchers, list(names)))
    return cells


def _covers(listed: list[str], value: str | None) -> bool:
    return not listed or value in listed


def _class_matchers(label: str, members: list[str | None], mentioned: list[str]) -> list[str]:
    """Matchers selecting `members` among the mentioned values; None stands for "any other"."""
    named = [m for m in members if m is not None]
    if None not in members:
        return [f'{label}=~"{"|".join(named)}"'] if len(named) > 1 else [f'{label}="{named[0]}"']
    excluded = [m for m in mentioned if m not in named]
    return [f'{label}!~"{"|".join(excluded)}"'] if excluded else []
