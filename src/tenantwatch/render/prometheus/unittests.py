"""promtool unit tests generated from the alert definitions, for the spec at hand.

For every alert: a tenant breaching its objective fires (exact labels and annotations),
a healthy tenant stays silent, each overriding tenant is judged by its own objective
(a value between the default and the override fires for one and not the other), a
tenant with `page: false` gets `warning` where others get `critical`, a shared service's
series (no tenant label) fire once as tenant "platform" with scope "shared", and an
absence keeps firing after its look-back window. Values come from the tenants' real
objectives, so the tests follow any spec.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tenantwatch import conventions
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.labels import NAMESPACE, WORKLOAD
from tenantwatch.render.prometheus.probes import Timeline
from tenantwatch.render.prometheus.promql import expected_text
from tenantwatch.render.prometheus.recording import services_of
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.spec import Spec
from tenantwatch.spec.units import format_duration

FALLBACK_TENANTS = ("tenant-a", "tenant-b")
CLAIM = "persistentvolumeclaim"
MAX_OVERRIDE_CASES = 2


@dataclass(frozen=True)
class Case:
    tenant: str | None  # None: an alert no tenant owns; PLATFORM: a shared service's series
    value: float
    fires: bool


PLATFORM = conventions.PLATFORM_TENANT


def sample_claim(patterns: list[str], workload: str) -> str | None:
    """A claim name the service's (anchored) claim patterns match: the usual StatefulSet and
    Deployment names, else each pattern with its classes and wildcards written out."""
    candidates = [f"{workload}-data", f"data-{workload}-0"]
    for pattern in patterns:
        for filler in ("0", "a"):
            text = re.sub(r"\[[^\]]*\][+*]?|\\[dw][+*]?|\.[+*]", filler, pattern)
            candidates.append(re.sub(r"\\(.)", r"\1", text.strip("^$")))
    return next((c for c in candidates if any(re.fullmatch(p, c) for p in patterns)), None)


class TestWriter:
    """Builds the promtool test groups of one spec."""

    def __init__(self, spec: Spec, timing: Timing) -> None:
        self.spec, self.t = spec, timing
        self.pool = [*spec.tenants, *(f for f in FALLBACK_TENANTS if f not in spec.tenants)]
        self.overrides = {t: spec.overrides_for(t) for t in self.pool}  # computed once: 10 000 tenants
        self.paging = [t for t in self.pool if spec.pages(t)]
        self.silent_pagers = [t for t in spec.tenants if not spec.pages(t)]

    def _probed(self, d: AlertDef, services: list[str]) -> list[str]:
        """The services a case may probe: for a volume alert, those with a claim name the
        tests can write (one that the service's claim patterns match)."""
        if CLAIM in d.by:
            return [s for s in services if self._claim(s) is not None]
        return services

    def _service(self, d: AlertDef, tenant: str | None) -> str:
        """The service a case probes: a shared one for the platform's case."""
        if tenant == PLATFORM:
            return self._shared_service(d) or ""
        if d.sample_service:
            return d.sample_service
        return self._probed(d, services_of(self.spec, d.kind) if d.kind else list(self.spec.services))[0]

    def _shared_service(self, d: AlertDef) -> str | None:
        if not d.shared_too or not d.tenant_scoped:
            return None
        shared = [n for n, s in self.spec.services.items() if s.shared and (d.kind is None or s.kind == d.kind)]
        shared = self._probed(d, shared)
        return shared[0] if shared else None

    def _claim(self, service: str) -> str | None:
        entry = self.spec.services[service]
        return sample_claim(entry.volume_patterns(service), entry.workload(service))

    def _labels(self, d: AlertDef, tenant: str | None) -> dict[str, str]:
        """The alert's labels from `by` for a case (what the rule aggregates to)."""
        service = self._service(d, tenant)
        out = {}
        for label in d.by:
            if label == conventions.TENANT:
                out[label] = tenant or ""
            elif label == conventions.SERVICE:
                out[label] = service
            elif label == CLAIM:
                out[label] = self._claim(service) or ""
            else:
                out[label] = d.sample_labels[label]
        return out

    def _inputs(self, d: AlertDef, tenant: str | None) -> dict[str, str]:
        """What the probe labels its series with: the platform's carry no tenant, and live in
        the shared service's namespace (private `__` keys for the pod-level probes)."""
        labels = self._labels(d, tenant)
        service = self._service(d, tenant)
        if service:
            labels[WORKLOAD] = self.spec.services[service].workload(service)
        if tenant == PLATFORM:
            del labels[conventions.TENANT]
            labels[NAMESPACE] = self.spec.services[service].namespace
        return labels

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
        if self._shared_service(d):
            main += self._case(d, PLATFORM, False)
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
        if d.sustained:  # healthy series must outlive the later check
            steps = max(steps, change + 3 + math.ceil(d.sustained / step))
        return Timeline(step, steps, change)

    def evaluations(self, d: AlertDef, t: Timeline) -> list[float]:
        """When to check: once the alert must fire, and with `sustained` again once the
        look-back window has run past the change."""
        if not d.sustained:
            return [(t.steps - 1) * t.interval]
        fired = t.change + math.ceil(d.settle / t.interval) + math.ceil(self.t.hold(d.hold) / t.interval) + 2
        return [fired * t.interval, (t.steps - 1) * t.interval]

    def _scope(self, tenant: str | None) -> dict[str, str]:
        """The tier and scope labels the rule adds from the tenant's info line."""
        if tenant is None or tenant == PLATFORM:
            return {conventions.SCOPE: conventions.SCOPE_SHARED}
        tier = self.spec.tier_of(tenant)
        return {conventions.SCOPE: conventions.SCOPE_TENANT, **({conventions.TIER: tier} if tier else {})}

    def expected(self, d: AlertDef, case: Case) -> dict:
        labels = self._labels(d, case.tenant)
        severity = d.severity_for(self.spec, case.tenant) if case.tenant else d.severity
        exp_labels = {**labels, **d.static_labels, **self._scope(case.tenant), conventions.SEVERITY: severity}
        if d.category:
            exp_labels[conventions.CATEGORY] = d.category
        objective = d.objective_for(self.spec, case.tenant or PLATFORM)
        annotations = {
            key: expected_text(text, labels, d.shown(case.value), objective, d.formats)
            for key, text in (("summary", d.summary), ("description", d.description))
        }
        tenant = labels.get(conventions.TENANT, "")
        annotations.update({key: link.replace("{{ $labels.tenant }}", tenant) for key, link in d.links(self.spec).items()})
        return {"exp_labels": exp_labels, "exp_annotations": annotations}

    def groups(self, d: AlertDef) -> list[dict]:
        t = self.timeline(d)
        out = []
        evals = self.evaluations(d, t)
        for cases in self.case_groups(d):
            series = []
            for case in cases:
                series += d.probe.series(self._inputs(d, case.tenant), case.value, t)
            what = ", ".join(f"{c.tenant or PLATFORM}={c.value:g} {'fires' if c.fires else 'silent'}" for c in cases)
            out.append({
                "name": f"{d.name}: {what}",
                "interval": format_duration(t.interval),
                "input_series": [{"series": s, "values": v} for s, v in series],
                "alert_rule_test": [{"eval_time": format_duration(at), "alertname": d.name,
                                     "exp_alerts": [self.expected(d, c) for c in cases if c.fires]}
                                    for at in evals],
            })
        return out
