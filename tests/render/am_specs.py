"""Specs for the Alertmanager and Grafana tests: the reference spec with changes, a minimal
one and a many-tenant one, all loaded through the real spec loader."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tenantwatch.spec import Spec, load_text

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "platform.yaml"


def reference_data() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(REFERENCE.read_text()))


def load(data: dict[str, Any]) -> Spec:
    result = load_text(yaml.safe_dump(data), environ={})
    assert result.spec is not None, result.issues
    return result.spec


def minimal_data() -> dict[str, Any]:
    return {"version": 1, "platform": "tiny", "services": {"web": {"kind": "http"}}}


def many_tenants_data(count: int = 300) -> dict[str, Any]:
    """The reference spec plus many tenants, a third of them free (page-less) with overrides."""
    data = reference_data()
    data["tenants"] |= {
        f"tenant-{i:04d}": ({"tier": "free", "objectives": {"error_rate": "2%"}} if i % 3 == 0 else {"tier": "standard"})
        for i in range(count)
    }
    data["maintenance"].append({"name": "many-window", "tenants": ["tenant-0001", "tenant-0002"], "services": ["api", "jobs"],
                                "recurring": {"days_of_month": [1], "months": [1, 7], "times": "00:00-06:00"}})
    return data


# Secret values the native-delivery tests put in the environment; none may leak where it has a file form.
SECRETS = {"SLACK_WEBHOOK_URL": "https://hooks.slack.example/T0/B0/s3cr3t-slack",
           "PAGERDUTY_ROUTING_KEY": "pd-s3cr3t-routing-key",
           "DISCORD_WEBHOOK_URL": "https://discord.example/api/webhooks/1/s3cr3t-discord",
           "SMTP_PASSWORD": "smtp-s3cr3t-password"}


def native_data(with_discord: bool = True) -> dict[str, Any]:
    """The reference spec delivered by Alertmanager's own receivers (alert_delivery: alertmanager)."""
    data = reference_data()
    data["alert_delivery"] = "alertmanager"
    data["channels"]["email-sre"]["password"] = "env:SMTP_PASSWORD"
    if not with_discord:
        data["escalation"][0]["notify"] = ["slack-alerts", "email-sre"]
    return data
