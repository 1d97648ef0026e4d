"""Posting detector findings to Alertmanager's /api/v2/alerts as ordinary alerts.

Why Alertmanager and not the engine directly: routing, inhibition, silences and the engine
webhook then treat an anomaly like any rule-based alert. An alert is kept alive by
re-posting it with `endsAt` a few poll intervals ahead; when the finding is gone it is
posted once more with `endsAt` = now, which resolves it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx

from tenantwatch.detect.sources import SourceError


@dataclass(frozen=True)
class Finding:
    """One series' current anomaly or predicted crossing, with the labels the alert carries."""

    alertname: str
    labels: dict[str, str]
    summary: str
    description: str
    runbook_url: str
    starts_at: datetime


@dataclass
class AlertPoster:
    url: str
    keep_alive: timedelta
    timeout: float = 10.0
    active: dict[str, Finding] = field(default_factory=dict)

    def sync(self, findings: list[Finding], now: datetime | None = None) -> tuple[int, int]:
        """Post current findings (refreshing endsAt) and resolve those that disappeared.
        Returns (firing, resolved) counts."""
        now = now or datetime.now(timezone.utc)
        current = {_identity(f): f for f in findings}
        gone = [f for key, f in self.active.items() if key not in current]
        for key, finding in current.items():
            if key in self.active:  # keep the original start so Alertmanager sees one alert
                current[key] = finding = _with_start(finding, self.active[key].starts_at)
        payload = [_alert(f, now + self.keep_alive) for f in current.values()]
        payload += [_alert(f, now) for f in gone]
        if payload:
            self._post(payload)
        self.active = current
        return len(current), len(gone)

    def _post(self, payload: list[dict]) -> None:
        endpoint = self.url.rstrip("/") + "/api/v2/alerts"
        try:
            response = httpx.post(endpoint, json=payload, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SourceError(f"cannot reach Alertmanager at {self.url}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code >= 300:
            raise SourceError(f"Alertmanager at {self.url} refused the alerts: HTTP {response.status_code}: "
                              f"{response.text[:200]}")


def _identity(finding: Finding) -> str:
    return finding.alertname + "|" + ",".join(f"{k}={v}" for k, v in sorted(finding.labels.items()))


def _with_start(finding: Finding, starts_at: datetime) -> Finding:
    return Finding(finding.alertname, finding.labels, finding.summary, finding.description,
                   finding.runbook_url, starts_at)


def _alert(finding: Finding, ends_at: datetime) -> dict:
    labels = {"alertname": finding.alertname, **finding.labels}
    return {
        "labels": labels,
        "annotations": {"summary": finding.summary, "description": finding.description,
                        "runbook_url": finding.runbook_url},
        "startsAt": _iso(finding.starts_at),
        "endsAt": _iso(ends_at),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
