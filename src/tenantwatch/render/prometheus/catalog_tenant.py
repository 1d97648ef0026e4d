"""Alert definitions of a tenant as a whole: security and business signals, which the
applications label with the tenant and which no single service owns."""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT
from tenantwatch.render.prometheus.probes import Level
from tenantwatch.render.prometheus.probes_shaped import Shift
from tenantwatch.render.prometheus.recording import Recorder


def security_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    return [
        AlertDef(
            c.ALERT_AUTH_FAILURES, "security", "warning", f"{r.name(c.AUTH_FAILURE_RATE)} * 60", ("tenant",),
            "Burst of failed logins for tenant {tenant}",
            "Tenant {tenant} sees {value} failed authentications per minute; objective {objective}.",
            Level("auth_attempts_total", extra={"outcome": "failure"}, per=60, counting=True),
            objective="auth_failures_per_minute", hold=120, settle=t.window(300), board="security",
        ),
        AlertDef(
            c.ALERT_SECURITY_EVENT, "security", "critical", r.name(c.SECURITY_EVENTS), ("tenant", "kind"),
            "Security event {kind} for tenant {tenant}",
            f"Tenant {{tenant}} had {{value}} {{kind}} security events in the last {t.w(300)} (alert above {{objective}}).",
            Level("security_events_total", per=t.window(300), counting=True), threshold=0.0, bad=3.0, good=0.0,
            hold=0, settle=t.window(300), sample_labels={"kind": "intrusion"}, board="security",
        ),
    ]


def business_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    ratio, sessions = r.name(c.BUSINESS_CONVERSION_RATIO), r.name(c.BUSINESS_SESSION_RATE)
    earlier = t.w(3600)
    return [
        AlertDef(
            c.ALERT_CONVERSION_COLLAPSE, "business", "warning", f"(1 - {ratio} / ({ratio} offset {earlier}))", ("tenant",),
            "Conversions collapsed for tenant {tenant}",
            f"The conversion rate of tenant {{tenant}} fell by {{value}} against {earlier} ago while sessions continue; objective: alert above {{objective}}.",
            Shift("business_conversions_total", before=1.0, extra={"funnel": "checkout"}, drop=True,
                  steady=(("business_sessions_total", {}, 10.0),)),
            objective="conversion_drop", cap=1.0, formats=PCT, hold=900,
            guard=f"and on(tenant) {sessions} > 0.1 and on(tenant) {sessions} > 0.5 * ({sessions} offset {earlier})",
            history=t.window(3600) + t.window(1800), settle=t.window(1800),
        ),
    ]
