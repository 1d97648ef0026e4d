"""`demo --once`: inject one fault and follow it through the loop until it is closed.

fault (simulator) -> alert firing (Prometheus) -> incident of that tenant (engine, through
Alertmanager's webhook) -> Slack notification (the recording server). Each stage is awaited
with a deadline; the report says how long each took, or which stage never came. A platform
fault (a shared service down) is followed the same way to the platform's alert and incident
about that service; the report then counts the tenant incidents linked to it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeVar

import httpx

from tenantwatch.conventions import PLATFORM_TENANT, WATCHDOG
from tenantwatch.demo.recorder import Recorded
from tenantwatch.demo.stack import Stack
from tenantwatch.demo.wiring import SLACK_PATH
from tenantwatch.sim import Fault
from tenantwatch.sim.signals import CASCADE_KINDS
from tenantwatch.sim.topology import Topology
from tenantwatch.spec import Spec

T = TypeVar("T")
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Stage:
    what: str
    seconds: float
    detail: str


@dataclass
class LoopReport:
    tenant: str
    kind: str
    stages: list[Stage] = field(default_factory=list)
    failure: str | None = None  # why the loop did not close

    @property
    def closed(self) -> bool:
        return self.failure is None

    def as_dict(self) -> dict:
        return {"tenant": self.tenant, "kind": self.kind, "closed": self.closed, "failure": self.failure,
                "stages": [s.__dict__ for s in self.stages]}


def poll(find: Callable[[], T | None], deadline: float) -> T | None:
    """`find()` until it returns something or the deadline passes; a down API counts as nothing yet."""
    while True:
        try:
            found = find()
        except (httpx.HTTPError, ValueError, KeyError):
            found = None
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)


def is_slack_message_for(tenant: str) -> Callable[[Recorded], bool]:
    """A Slack message about an incident of `tenant`: its headline (`[TRIGGERED] [CRITICAL]
    acme: title`) names the tenant; a message that only lists it among affected tenants does not."""
    headline = re.compile(r"^(\[[^\]]*\] )+" + re.escape(tenant) + ": ")

    def about(recorded: Recorded) -> bool:
        body = recorded.json()
        return recorded.path == SLACK_PATH and isinstance(body, dict) and bool(headline.match(str(body.get("text", ""))))

    return about


def is_about(fault: Fault, tenant: str | None, services: Iterable[str]) -> bool:
    """Whether an alert or incident (its tenant and services) is the one `fault` should cause:
    the fault's tenant, and for a platform fault one of the shared services it hit."""
    return tenant == fault.tenant and (fault.tenant != PLATFORM_TENANT or bool(set(services) & set(fault.services)))


def close_loop(stack: Stack, tenant: str, kind: str, timeout: float,
               on_stage: Callable[[Stage], None] = lambda stage: None) -> LoopReport:
    """Inject `kind` on `tenant` and wait (at most `timeout` s in all) for each later stage."""
    start = time.monotonic()
    deadline = start + timeout
    report = LoopReport(tenant, kind)

    def reached(what: str, detail: str) -> None:
        stage = Stage(what, round(time.monotonic() - start, 1), detail)
        report.stages.append(stage)
        on_stage(stage)

    fault = stack.inject(tenant, kind)
    reached("fault injected", f"{fault.kind} on {tenant}: {', '.join(fault.services)}")

    alert = poll(lambda: next((a for a in stack.firing_alerts() if a["labels"].get("alertname") != WATCHDOG
                               and is_about(fault, a["labels"].get("tenant"), [a["labels"].get("service", "")])),
                              None), deadline)
    if alert is None:
        report.failure = f"no alert of tenant {tenant} fired in Prometheus ({stack.urls['prometheus']}/alerts) within {timeout:.0f}s"
        return report
    labels = alert["labels"]
    reached("alert firing in Prometheus", f"{labels.get('alertname')} severity={labels.get('severity')} service={labels.get('service', '-')}")

    incident = poll(lambda: next((i for i in stack.incidents() if is_about(fault, i.get("tenant"), i.get("services") or [])),
                                 None), deadline)
    if incident is None:
        report.failure = (f"the engine opened no incident for {tenant} within {timeout:.0f}s "
                          f"(Alertmanager {stack.urls['alertmanager']} -> engine {stack.urls['engine']})")
        return report
    affected = f" affected={','.join(incident.get('affected_tenants') or [])}" if tenant == PLATFORM_TENANT else ""
    reached("incident opened by the engine",
            f"#{incident.get('id')} {incident.get('title')} severity={incident.get('severity')} "
            f"root cause={incident.get('root_cause') or '-'}{affected}")

    message = stack.recorder.wait_for(is_slack_message_for(tenant), max(0.0, deadline - time.monotonic()))
    if message is None:
        report.failure = f"no Slack notification about {tenant} reached the recording server within {timeout:.0f}s"
        return report
    body = message.json() or {}
    reached("Slack notification received", str(body.get("text") or message.body[:120].decode(errors="replace")))

    detail = stack.api(f"/incidents/{incident['id']}")
    for event in detail.get("timeline", []):
        if event.get("kind") == "remediation":
            reached("remediation (L1)", str(event.get("detail")))
    if tenant != PLATFORM_TENANT:
        others = [i for i in stack.incidents() if i.get("tenant") != tenant]
        reached("incidents of other tenants", f"{len(others)}")
        return report
    failing = cascade(stack.spec, fault)
    linked = poll(lambda: _linked(stack, incident["id"], failing), deadline) if failing else []
    if linked is None:
        report.failure = (f"the tenants whose services depend on {', '.join(fault.services)} ({', '.join(sorted(failing))}) "
                          f"got no incidents linked to platform incident #{incident['id']} within {timeout:.0f}s")
        return report
    reached("tenant incidents linked to it", ", ".join(f"#{i['id']} {i['tenant']}: {i.get('title')}" for i in linked) or "none")
    return report


def cascade(spec: Spec, fault: Fault) -> set[str]:
    """The tenants whose services fail visibly (5xx, failed jobs) while the fault's services are down."""
    if fault.kind != "service_down":
        return set()
    broken = Topology.of(spec).broken_by(fault.services)
    return {t for t, names in broken.items() if any(spec.services[n].kind in CASCADE_KINDS for n in names)}


def _linked(stack: Stack, platform_id: object, tenants: set[str]) -> list[dict] | None:
    """The incidents linked to the platform incident, once every one of `tenants` has one."""
    linked = [i for i in stack.incidents() if i.get("caused_by") == platform_id]
    return linked if tenants <= {i.get("tenant") for i in linked} else None
