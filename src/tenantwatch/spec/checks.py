"""Cross-field checks over the sections that parsed: references, cycles, ids, order, units.

Each check takes the parsed sections it needs and yields Issues; a check whose sections
failed to parse is skipped, so one bad section never hides the problems of another.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from pydantic import ValidationError

from tenantwatch.conventions import BUILTIN_SCRAPE_JOBS
from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.issues import Issue, dotted
from tenantwatch.spec.messages import describe
from tenantwatch.spec.models import ObjectiveOverrides, Objectives, Service
from tenantwatch.spec.suggest import did_you_mean
from tenantwatch.spec.units import id_problem, is_secret_reference

Sections = dict[str, Any]
Check = Callable[[Sections], Iterator[Issue]]
_CHECKS: list[tuple[tuple[str, ...], Check]] = []
_LEVEL_ORDER = ("L1", "L2", "L3", "L4")
_SECRET_FIELDS = ("webhook_url", "routing_key", "password", "url")


def check(*needs: str) -> Callable[[Check], Check]:
    """Register a check that runs when all the sections it needs parsed."""

    def register(fn: Check) -> Check:
        _CHECKS.append((needs, fn))
        return fn

    return register


def run_checks(sections: Sections, declared: dict[str, set[str]] | None = None) -> list[Issue]:
    """Every check whose sections parsed. `declared` holds the names written in the file,
    so an entry that failed validation is still known to references (no second, false error)."""
    sections = {**sections, "declared": declared or {}}
    return [issue for needs, fn in _CHECKS if all(n in sections for n in needs) for issue in fn(sections)]


def _names(s: Sections, section: str) -> list[str]:
    """Names of a mapping section, including entries that failed validation."""
    return list(s["declared"].get(section) or s.get(section) or [])


def _error(path: tuple[object, ...], message: str) -> Issue:
    return Issue("error", dotted(path), message)


def _unknown(kind: str, name: str, known: list[str]) -> str:
    return f"unknown {kind} {name!r}" + did_you_mean(name, known)


@check("services")
def _service_ids(s: Sections) -> Iterator[Issue]:
    for name in s["services"]:
        if problem := id_problem(name):
            yield _error(("services", name), f"invalid service id: {problem}")
        elif name in BUILTIN_SCRAPE_JOBS:
            yield _error(("services", name), f"invalid service id: {name!r} is the name of a built-in scrape job")


@check("tenants")
def _tenant_ids(s: Sections) -> Iterator[Issue]:
    for name in s["tenants"]:
        if problem := id_problem(name):
            yield _error(("tenants", name), f"invalid tenant id: {problem}")


@check("services")
def _dependencies(s: Sections) -> Iterator[Issue]:
    services: dict[str, Service] = s["services"]
    for name, svc in services.items():
        for i, dep in enumerate(svc.depends_on):
            if dep not in _names(s, "services"):
                yield _error(("services", name, "depends_on", i), _unknown("service", dep, _names(s, "services")))
            elif dep == name:
                yield _error(("services", name, "depends_on", i), "a service cannot depend on itself")
    if cycle := _find_cycle({n: [d for d in v.depends_on if d in services and d != n] for n, v in services.items()}):
        yield _error(("services", cycle[0], "depends_on"), "dependency cycle: " + " -> ".join(cycle))


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The first cycle found by depth-first search, as a closed path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


@check("services")
def _buckets(s: Sections) -> Iterator[Issue]:
    for name, svc in s["services"].items():
        if svc.buckets is None:
            continue
        if svc.kind not in ("http", "model"):
            yield _error(("services", name, "buckets"), f"buckets apply to http and model services, not {svc.kind}")
        if any(b <= 0 for b in svc.buckets) or list(svc.buckets) != sorted(set(svc.buckets)):
            yield _error(("services", name, "buckets"), "buckets must be positive, strictly increasing seconds")


def _all_objectives(s: Sections) -> Iterator[tuple[tuple[object, ...], Objectives | ObjectiveOverrides]]:
    if "objectives" in s:
        yield ("objectives",), s["objectives"]
    for tier, spec in s.get("tiers", {}).items():
        yield ("tiers", tier, "objectives"), spec.objectives
    for tenant, spec in s.get("tenants", {}).items():
        yield ("tenants", tenant, "objectives"), spec.objectives


@check()
def _availability_below_100(s: Sections) -> Iterator[Issue]:
    for path, obj in _all_objectives(s):
        if obj.availability is not None and obj.availability >= 1:
            yield _error((*path, "availability"), "an availability of 100% or more leaves no error budget; use e.g. 99.9%")
        if obj.error_rate is not None and obj.error_rate >= 1:
            yield _error((*path, "error_rate"), "an error rate of 100% or more can never fire; use e.g. 1%")


@check("services")
def _latency_on_bucket_edge(s: Sections) -> Iterator[Issue]:
    http = {n: v.latency_buckets for n, v in s["services"].items() if v.kind == "http"}
    for path, obj in _all_objectives(s):
        if obj.latency_p95 is None:
            continue
        for name, buckets in http.items():
            if not any(abs(obj.latency_p95 - b) < 1e-9 for b in buckets):
                edges = ", ".join(f"{b:g}s" for b in buckets)
                yield Issue("warning", dotted((*path, "latency_p95")),
                            f"{obj.latency_p95:g}s is not a bucket edge of service {name!r} ({edges}); the p95 estimate is interpolated")


@check("tenants", "tiers")
def _tenant_tiers(s: Sections) -> Iterator[Issue]:
    for name, tenant in s["tenants"].items():
        if tenant.tier is not None and tenant.tier not in _names(s, "tiers"):
            yield _error(("tenants", name, "tier"), _unknown("tier", tenant.tier, _names(s, "tiers")))


@check("escalation", "channels")
def _escalation(s: Sections) -> Iterator[Issue]:
    seen: set[str] = set()
    previous: tuple[str, float] | None = None
    for i, level in enumerate(s["escalation"]):
        if level.level in seen:
            yield _error(("escalation", i, "level"), f"duplicate escalation level {level.level}")
        seen.add(level.level)
        for j, channel in enumerate(level.notify):
            if channel not in _names(s, "channels"):
                yield _error(("escalation", i, "notify", j), _unknown("channel", channel, _names(s, "channels")))
        if previous and (_LEVEL_ORDER.index(level.level) < _LEVEL_ORDER.index(previous[0]) or level.after < previous[1]):
            yield _error(("escalation", i, "after"),
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
                yield Issue("warning", dotted(("channels", name, fld)),
                            "secret written in clear; use env:NAME (or file:/path) so it stays out of the spec and rendered files")


@check("maintenance")
def _maintenance(s: Sections) -> Iterator[Issue]:
    names: set[str] = set()
    for i, window in enumerate(s["maintenance"]):
        path = ("maintenance", i)
        if window.name in names:
            yield _error((*path, "name"), f"duplicate maintenance window name {window.name!r}")
        names.add(window.name)
        one_off = window.start is not None or window.end is not None
        if one_off and window.recurring is not None:
            yield _error(path, "give either start/end (one-off) or recurring, not both")
        elif not one_off and window.recurring is None:
            yield _error(path, "a maintenance window needs start and end, or recurring")
        elif one_off and (window.start is None or window.end is None):
            yield _error(path, "a one-off maintenance window needs both start and end")
        elif one_off and _aware(window.end) <= _aware(window.start):
            yield _error((*path, "end"), "the window ends before it starts")
        for tenant in window.tenants:
            if tenant not in _names(s, "tenants"):
                yield _error((*path, "tenants"), _unknown("tenant", tenant, _names(s, "tenants")))
        for service in window.services:
            if service not in _names(s, "services"):
                yield _error((*path, "services"), _unknown("service", service, _names(s, "services")))
        if window.recurring is not None:
            yield from _recurring(window.recurring, (*path, "recurring"))


def _recurring(rec: Any, path: tuple[object, ...]) -> Iterator[Issue]:
    try:
        zoneinfo.ZoneInfo(rec.location)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield _error((*path, "location"), f"unknown time zone {rec.location!r} (use an IANA name like Europe/Berlin)")
    if not (rec.weekdays or rec.times or rec.days_of_month or rec.months):
        yield _error(path, "a recurring window needs weekdays, times, days_of_month or months")
    if rec.times:
        start, end = rec.times.split("-")
        if end <= start:
            yield _error((*path, "times"), "the window ends before it starts (split a window across midnight in two)")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@check("remediation")
def _remediation(s: Sections) -> Iterator[Issue]:
    for i, rule in enumerate(s["remediation"].rules):
        path = ("remediation", "rules", i)
        params_model = ACTION_PARAMS.get(rule.action)
        if params_model is None:
            yield _error((*path, "action"), _unknown("action", rule.action, list(ACTION_PARAMS)) +
                         f"; allowed: {', '.join(ACTION_PARAMS)}")
            continue
        try:
            params_model.model_validate(rule.params)
        except ValidationError as exc:
            for err in exc.errors():
                msg = describe(err, list(params_model.model_fields)).replace("unknown key", "unknown parameter")
                yield _error((*path, "params", *err["loc"]), f"{rule.action}: {msg}")
        for key in rule.match:
            if not key.replace("_", "a").isalnum() or key[0].isdigit():
                yield _error((*path, "match", key), "not a valid label name")


@check("auto_scaling")
def _replica_bounds(s: Sections) -> Iterator[Issue]:
    scaling = s["auto_scaling"]
    if scaling.min_replicas > scaling.max_replicas:
        yield _error(("auto_scaling", "min_replicas"), "min_replicas is above max_replicas")


@check("discovery", "services")
def _static_targets(s: Sections) -> Iterator[Issue]:
    if s["discovery"] != "static":
        return
    for name, svc in s["services"].items():
        if not svc.targets:
            yield Issue("warning", dotted(("services", name, "targets")),
                        "discovery is static but the service lists no targets (host:port); it will not be scraped")


@check()
def _addresses(s: Sections) -> Iterator[Issue]:
    """URLs and host:port values that end up in rendered configs, checked before they break one."""
    for section, key in (("engine", "url"), ("runbook_base_url", None)):
        if section in s:
            value = getattr(s[section], key) if key else s[section]
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                yield _error((section, key) if key else (section,), f"expected an http(s) URL like http://127.0.0.1:8080, got {value!r}")
    if "prometheus" in s and not re.fullmatch(r"[^\s:/]+:\d{1,5}", s["prometheus"].alertmanager):
        yield _error(("prometheus", "alertmanager"), f"expected host:port like 127.0.0.1:9093, got {s['prometheus'].alertmanager!r}")
