"""One declarative alert definition -> its alerting rule(s), and the facts its tests need.

A definition names the signal (PromQL grouped by `by`), what it is compared with (a
per-tenant objective through the objective join, or a fixed threshold), how long it must
hold, and a probe that turns a signal value into input series. The same definition yields
the rule and its promtool test, so tests follow any spec's objectives.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable

from tenantwatch import conventions
from tenantwatch.render.prometheus.probes import Probe
from tenantwatch.render.prometheus.promql import fill_template, number, objective_join, objective_template
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.spec import Spec

COMPARE = {">": operator.gt, "<": operator.lt}


def with_tier_and_scope(expr: str) -> str:
    """The alert's series with the tenant's `tier` and `scope` from its info line; tenants the
    spec does not list (no info line) still alert, with scope "tenant" and no tier."""
    info = conventions.TENANT_INFO
    return (f"({expr}) * on(tenant) group_left(tier, scope) {info}"
            f' or label_replace(({expr}) unless on(tenant) {info}, "scope", "{conventions.SCOPE_TENANT}", "", "")')


def _same(threshold: str) -> str:
    return threshold


def _identity(value: float) -> float:
    return value


@dataclass(frozen=True)
class AlertDef:
    """An alert. `history` (normal behaviour before the change) and `settle` (time for the
    signal to show the change) are rendered seconds, i.e. already scaled by the profile;
    `shown` maps a probe value to the alert's $value; `trending` marks signals that move
    during `for:` (predictions), whose tests keep a margin from the threshold; `board` is the
    dashboard its `dashboard_url` opens; `sustained` (rendered seconds) asks the tests to check
    the alert still fires that long after the change (an absence must not clear by itself);
    `shared_too` asks them to check a series without a tenant alerts as the platform;
    `sample_service` is the service they probe (default: the first of `kind`)."""

    name: str
    category: str
    severity: str
    signal: str
    by: tuple[str, ...]
    summary: str
    description: str
    probe: Probe
    objective: str | None = None
    threshold: float | None = None
    op: str = ">"
    scale: Callable[[str], str] = _same
    limit: Callable[[float], float] = _identity
    cap: float | None = None
    hold: float = 300.0
    guard: str = ""
    expr: str | None = None
    bad: float | None = None
    good: float | None = None
    formats: tuple[str, str] = ("humanize", "humanize")
    kind: str | None = None
    sample_labels: dict[str, str] = field(default_factory=dict)
    static_labels: dict[str, str] = field(default_factory=dict)
    history: float = 0.0
    settle: float = 0.0
    shown: Callable[[float], float] = _identity
    trending: bool = False
    board: str = "overview"
    sustained: float = 0.0
    shared_too: bool = False
    sample_service: str | None = None

    @property
    def tenant_scoped(self) -> bool:
        return conventions.TENANT in self.by

    def threshold_for(self, spec: Spec, tenant: str) -> float:
        """The number the signal is compared with for `tenant` (objective after `limit`)."""
        if self.objective is None:
            return self.threshold if self.threshold is not None else 0.0
        return self.limit(getattr(spec.objectives_for(tenant), self.objective))

    def objective_for(self, spec: Spec, tenant: str) -> float:
        if self.objective is None:
            return self.threshold if self.threshold is not None else 0.0
        return getattr(spec.objectives_for(tenant), self.objective)

    def fires(self, value: float, threshold: float) -> bool:
        return COMPARE[self.op](value, threshold)

    def promql(self) -> str:
        if self.expr is not None:
            return self.expr
        if self.objective is not None:
            against = f"on(tenant) group_left() {self.scale(objective_join(self.objective, self.signal))}"
        else:
            against = number(self.threshold if self.threshold is not None else 0.0)
        base = f"{self.signal} {self.op} {against}"
        return f"({base}) {self.guard}" if self.guard else base

    def annotations(self, spec: Spec) -> dict[str, str]:
        value = f"{{{{ $value | {self.formats[0]} }}}}"
        if self.objective is not None:
            objective = objective_template(self.objective, self.formats[1])
        else:
            objective = f"{{{{ {number(self.threshold or 0.0)} | {self.formats[1]} }}}}"
        return {
            "summary": fill_template(self.summary, self.by, value, objective),
            "description": fill_template(self.description, self.by, value, objective),
            **self.links(spec),
        }

    def links(self, spec: Spec) -> dict[str, str]:
        """runbook_url and dashboard_url; the dashboard opens on the alert's tenant (a Go template
        where the tenant comes from the series, else the platform)."""
        runbook = f"{spec.runbook_base_url.rstrip('/')}/{conventions.runbook_slug(self.name)}"
        dashboard = conventions.dashboard_url(spec.grafana.url, self.board)
        if not self.tenant_scoped:
            dashboard = dashboard.replace("{{ $labels.tenant }}", conventions.PLATFORM_TENANT)
        return {"runbook_url": runbook, conventions.DASHBOARD_ANNOTATION: dashboard}

    def rules(self, spec: Spec, timing: Timing) -> list[dict]:
        """The alerting rule; a tenant-scoped critical alert becomes a critical rule for
        paging tenants and a warning rule for tenants with `page: false`."""
        expr = self.promql()
        if self.severity != "critical" or not self.tenant_scoped:
            return [self._rule(spec, timing, expr, self.severity)]
        disabled = conventions.PAGING_DISABLED
        return [
            self._rule(spec, timing, f"({expr}) unless on(tenant) {disabled}", "critical"),
            self._rule(spec, timing, f"({expr}) and on(tenant) {disabled}", "warning"),
        ]

    def _rule(self, spec: Spec, timing: Timing, expr: str, severity: str) -> dict:
        rule: dict = {"alert": self.name}
        if self.hold:
            rule["for"] = timing.f(self.hold)
        labels = {**self.static_labels, conventions.CATEGORY: self.category} if self.category else dict(self.static_labels)
        if self.tenant_scoped:
            expr = with_tier_and_scope(expr)
        else:
            labels[conventions.SCOPE] = conventions.SCOPE_SHARED  # nodes, the pipeline: no tenant owns them
        rule["expr"] = expr
        rule["labels"] = {**labels, conventions.SEVERITY: severity}
        rule["annotations"] = self.annotations(spec)
        return rule

    def severity_for(self, spec: Spec, tenant: str) -> str:
        if self.severity == "critical" and self.tenant_scoped and not spec.pages(tenant):
            return "warning"
        return self.severity
