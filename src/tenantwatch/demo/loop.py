"""`demo --once`: inject one fault and follow it through the loop until it is closed.

fault (simulator) -> alert firing (Prometheus) -> incident of that tenant (engine, through
Alertmanager's webhook) -> Slack notification (the recording server). Each stage is awaited
with a deadline; the report says how long each took, or which stage never came.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import httpx

from tenantwatch.conventions import WATCHDOG
from tenantwatch.demo.recorder import Recorded
from tenantwatch.demo.stack import Stack
from tenantwatch.demo.wiring import SLACK_PATH

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
    return lambda r: r.path == SLACK_PATH and r.mentions(tenant)


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
    reached("fault injected", f"{kind} on {tenant}: {', '.join(fault.services)}")

    alert = poll(lambda: next((a for a in stack.firing_alerts() if a["labels"].get("tenant") == tenant
                               and a["labels"].get("alertname") != WATCHDOG), None), deadline)
    if alert is None:
        report.failure = f"no alert of tenant {tenant} fired in Prometheus ({stack.urls['prometheus']}/alerts) within {timeout:.0f}s"
        return report
    labels = alert["labels"]
    reached("alert firing in Prometheus", f"{labels.get('alertname')} severity={labels.get('severity')} service={labels.get('service', '-')}")

    incident = poll(lambda: next((i for i in stack.incidents() if i.get("tenant") == tenant), None), deadline)
    if incident is None:
        report.failure = (f"the engine opened no incident for {tenant} within {timeout:.0f}s "
                          f"(Alertmanager {stack.urls['alertmanager']} -> engine {stack.urls['engine']})")
        return report
    reached("incident opened by the engine",
            f"#{incident.get('id')} {incident.get('title')} severity={incident.get('severity')} root cause={incident.get('root_cause') or '-'}")

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
    others = [i for i in stack.incidents() if i.get("tenant") != tenant]
    reached("incidents of other tenants", f"{len(others)}")
    return report
