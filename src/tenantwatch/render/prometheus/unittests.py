"""promtool unit tests generated from the alert definitions, for the spec at hand.

For every alert: a tenant breaching its objective fires (exact labels and annotations),
a healthy tenant stays silent, each overriding tenant is judged by its own objective
(a value between the default and the override fires for one and not the other), and a
tenant with `page: false` gets `warning` where others get `critical`. Values come from
the tenants' real objectives, so the tests follow any spec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tenantwatch import conventions
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.probes import Timeline
from tenantwatch.render.prometheus.promql import expected_text
from tenantwatch.render.prometheus.recording import services_of
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.spec import Spec
from tenantwatch.spec.units import format_duration

FALLBACK_TENANTS = ("tenant-a", "tenant-b")
MAX_OVERRIDE_CASES = 2


@dataclass(frozen=True)
class Case:
    tenant: str | None
    value: float
    fires: bool


class TestWriter:
    """Builds the promtool test groups of one spec."""

    def __init__(self, spec: Spec, timing: Timing) -> None:
        self.spec, self.t = spec, timing
        self.pool = [*spec.tenants, *(f for f in FALLBACK_TENANTS if f not in spec.tenants)]
        self.overrides = {t: spec.overrides_for(t) for t in self.pool}  # computed once: 10 000 tenants
        self.paging = [t for t in self.pool if spec.pages(t)]
        self.silent_pagers = [t for t in spec.tenants if not spec.pages(t)]

    def _labels(self, d: AlertDef, tenant: str | None) -> dict[str, str]:
        out = {}
        for label in d.by:
            if label == conventions.TENANT:
                out[label] = tenant or ""
            elif label == conventions.SERVICE:
                kinds = services_of(self.spec, d.kind) if d.kind else list(self.spec.services)
                out[label] = kinds[0]
            else:
                out[label] = d.sample_labels[label]
        return out

    def _margin(self, d: AlertDef) -> float:
        return self.t.hold(d.hold) + 2 * self.t.test_interval if d.trending else 0.0

    def _bad(self, d: AlertDef, threshold: float) -> float | None:
        if d.op == ">":
            return d.probe.pick(threshold, d.cap if d.cap is not None else math.inf)
        return d.probe.pick(0.0, threshold - self._margin(d))

    def _good(self, d: AlertDef, threshold: float) -> float | None:
        if d.op == ">":
            return d.probe.pick(0.0, threshold)
        return d.probe.pick(threshold, d.cap if d.cap is not None else math.inf)

    def case_groups(self, d: AlertDef) -> list[list[Case]]:
        """Cases that share one promtool group (distinct tenants) are listed together."""
        if not d.tenant_scoped:
            cases = [Case(None, d.bad, True)] + ([Case(None, d.good, False)] if d.good is not None else [])
            return [[c] for c in cases if c.value is not None]
        own = d.objective
        defaults = [t for t in self.paging if own is None or own not in self.overrides[t]][:2]
        main: list[Case] = []
        for tenant, healthy in ((defaults[0], False), (defaults[1], True)):
            main += self._case(d, tenant, healthy)
        if d.severity == "critical" and self.silent_pagers:
            main += self._case(d, self.silent_pagers[0], False)
        groups = [main]
        if own is not None:
            for tenant in self._distinct_overrides(d):
                pair = self._override_pair(d, defaults[0], tenant)
                if pair:
                    groups.append(pair)
        return groups

    def _distinct_overrides(self, d: AlertDef) -> list[str]:
        """Up to MAX_OVERRIDE_CASES overriding tenants, each with a different threshold."""
        chosen: dict[float, str] = {}
        for tenant in self.spec.tenants:
            if d.objective in self.overrides[tenant]:
                chosen.setdefault(d.threshold_for(self.spec, tenant), tenant)
        return list(chosen.values())[:MAX_OVERRIDE_CASES]

    def _case(self, d: AlertDef, tenant: str, healthy: bool) -> list[Case]:
        if d.objective is None:
            value = d.good if healthy else d.bad
            return [] if value is None else [Case(tenant, value, not healthy)]
        threshold = d.threshold_for(self.spec, tenant)
        value = self._good(d, threshold) if healthy else self._bad(d, threshold)
        return [] if value is None else [Case(tenant, value, d.fires(value, threshold))]

    def _override_pair(self, d: AlertDef, default: str, tenant: str) -> list[Case]:
        """One value between the default tenant's threshold and the overriding tenant's."""
        a, b = d.threshold_for(self.spec, default), d.threshold_for(self.spec, tenant)
        if a == b:
            return []
        lo, hi = min(a, b), max(a, b)
        value = d.probe.pick(lo, hi - self._margin(d)) if d.op == "<" else d.probe.pick(lo, hi)
        if value is None:
            return []
        cases = [Case(t, value, d.fires(value, d.threshold_for(self.spec, t))) for t in (default, tenant)]
        return cases if cases[0].fires != cases[1].fires else []

    def timeline(self, d: AlertDef) -> Timeline:
        step = self.t.test_interval
        change = math.ceil(d.history / step) if d.history else 0
        steps = change + math.ceil(d.settle / step) + math.ceil(self.t.hold(d.hold) / step) + 3
        return Timeline(step, steps, change)

    def expected(self, d: AlertDef, case: Case) -> dict:
        labels = self._labels(d, case.tenant)
        severity = d.severity_for(self.spec, case.tenant) if case.tenant else d.severity
        exp_labels = {**labels, **d.static_labels, conventions.SEVERITY: severity}
        if d.category:
            exp_labels[conventions.CATEGORY] = d.category
        objective = d.objective_for(self.spec, case.tenant or conventions.PLATFORM_TENANT)
        annotations = {
            key: expected_text(text, labels, d.shown(case.value), objective, d.formats)
            for key, text in (("summary", d.summary), ("description", d.description))
        }
        annotations["runbook_url"] = d.annotations(self.spec.runbook_base_url)["runbook_url"]
        return {"exp_labels": exp_labels, "exp_annotations": annotations}

    def groups(self, d: AlertDef) -> list[dict]:
        t = self.timeline(d)
        out = []
        for cases in self.case_groups(d):
            series = []
            for case in cases:
                series += d.probe.series(self._labels(d, case.tenant), case.value, t)
            what = ", ".join(f"{c.tenant or 'platform'}={c.value:g} {'fires' if c.fires else 'silent'}" for c in cases)
            out.append({
                "name": f"{d.name}: {what}",
                "interval": format_duration(t.interval),
                "input_series": [{"series": s, "values": v} for s, v in series],
                "alert_rule_test": [{
                    "eval_time": format_duration((t.steps - 1) * t.interval),
                    "alertname": d.name,
                    "exp_alerts": [self.expected(d, c) for c in cases if c.fires],
                }],
            })
        return out
