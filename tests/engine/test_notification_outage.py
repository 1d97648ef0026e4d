"""A Slack and a PagerDuty endpoint down for five minutes (answering 500, or not answering
until the client's timeout), then back: every notification arrives exactly once after the
recovery, through an engine restart in the middle of the outage; the backlog and the
failures are on /metrics all along, and the rendered TenantwatchNotificationsFailing rule,
fed what the engine exported, fires. Time is a fake clock; only the channel timeout (a short
setting) is waited for.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tenantwatch import conventions
from tenantwatch.channels.http import CHANNEL_TIMEOUT_VAR
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tenantwatch.render import RenderOptions
from tenantwatch.render.emit import write_tree
from tenantwatch.render.prometheus import render_prometheus
from tests.engine.channel_outage import ChannelOutage
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec

SLACK, PAGERDUTY, DISCORD = "/slack-alerts", "/pagerduty", "/discord-team"
CHANNEL_OF = {SLACK: "slack-alerts", PAGERDUTY: "pagerduty-critical"}
ESCALATION = [
    {"level": "L1", "after": "0m", "notify": ["slack-alerts", "pagerduty-critical", "discord-team"],
     "auto_remediation": False},
    {"level": "L2", "after": "2m", "notify": ["slack-alerts"]},
]
TENANTS = ("acme", "globex")
STEP, SCRAPE_EVERY = 5, 15  # seconds of fake time between passes, between scrapes
OUTAGE, RESTART_AT = 300, 150
TIMEOUT = "0.2"  # seconds: the channel timeout setting, so a hung endpoint costs little real time


def scrape(engine: Engine) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The engine's /metrics as {(sample name, sorted labels): value}."""
    text = engine.client.get("/metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def failed(samples: dict, channel: str) -> float:
    return value(samples, conventions.ENGINE_NOTIFICATIONS, channel=channel, outcome="failed")


def pending(samples: dict, channel: str) -> float:
    return value(samples, conventions.ENGINE_NOTIFICATIONS_PENDING, channel=channel)


def start(store: Store, url: str, clock: FakeClock) -> Engine:
    spec = make_spec(url, escalation=ESCALATION)
    return build_engine(store, spec, clock, environ={CHANNEL_TIMEOUT_VAR: TIMEOUT})


@pytest.mark.parametrize("mode", ["500", "timeout"])
def test_a_channel_outage_delivers_everything_once_after_recovery(
        sqlite_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: str) -> None:
    with ChannelOutage({SLACK, PAGERDUTY}, mode) as outage:
        clock = FakeClock(T0)
        engine = start(sqlite_store, outage.url, clock)
        posted = engine.post([alert(tenant=t, service="api", name="ApiDown", severity="critical") for t in TENANTS])
        assert posted.status_code // 100 == 2, posted.text
        scrapes: list[dict] = []

        for second in range(0, OUTAGE, STEP):
            if second == RESTART_AT:  # a new process on the same database, mid-outage
                engine = start(sqlite_store, outage.url, clock)
            before = {path: outage.attempts(path) for path in CHANNEL_OF}
            engine.tick()
            for path in CHANNEL_OF:  # a channel that is down costs one request per pass, not one per message
                assert outage.attempts(path) - before[path] <= 1, f"{path} was tried repeatedly in one pass at {second}s"
            if second % SCRAPE_EVERY == 0:
                scrapes.append(scrape(engine))
            clock.advance(STEP)

        assert outage.delivered(SLACK) == [] and outage.delivered(PAGERDUTY) == []
        if mode == "timeout":  # the client gave up after the setting's 0.2 s, not the server's 504
            assert "network error: ReadTimeout" in caplog.text and "HTTP 504" not in caplog.text
        assert len(outage.delivered(DISCORD)) == len(TENANTS)  # the healthy channel was not held back
        during = scrape(engine)
        assert pending(during, "slack-alerts") == 2 * len(TENANTS)  # L1 and L2 of each incident
        assert pending(during, "pagerduty-critical") == len(TENANTS)
        assert failed(during, "slack-alerts") > 0 and failed(during, "pagerduty-critical") > 0

        outage.recover()
        for second in range(OUTAGE, OUTAGE + 900, STEP):
            engine.tick()
            if second % SCRAPE_EVERY == 0:
                scrapes.append(scrape(engine))
            if all(pending(scrapes[-1], channel) == 0 for channel in CHANNEL_OF.values()):
                break
            clock.advance(STEP)
        else:
            pytest.fail(f"the backlog never drained: {scrape(engine)}")
        clock.advance(3600)
        engine.tick()  # later passes send nothing again

        slack = [json.dumps(body, sort_keys=True) for body in outage.delivered(SLACK)]
        assert len(slack) == 2 * len(TENANTS) and len(set(slack)) == len(slack), "lost or duplicated Slack messages"
        keys = sorted(body["dedup_key"] for body in outage.delivered(PAGERDUTY))
        assert keys == sorted(f"tenantwatch-{t}-{i}" for i, t in enumerate(TENANTS, 1)), keys
        after = scrape(engine)
        # the restarted process sent them all: its counters say so
        assert value(after, conventions.ENGINE_NOTIFICATIONS, channel="slack-alerts", outcome="sent") == len(slack)
        assert pending(after, "slack-alerts") == 0 and pending(after, "pagerduty-critical") == 0
        for incident in engine.incidents():
            notified = [e["detail"] for e in incident["timeline"] if e["kind"] == "notified"]
            assert sorted(notified) == sorted(set(notified)), notified

    assert_rule_fires(scrapes, tmp_path)


def assert_rule_fires(scrapes: list[dict], tmp_path: Path) -> None:
    """promtool evaluates the rendered rule on the failed-notification counters the engine
    exported, one scrape every SCRAPE_EVERY seconds (the restart's counter reset included)."""
    spec = make_spec(escalation=ESCALATION)
    files = render_prometheus(spec, RenderOptions(profile="standard"))
    write_tree(tmp_path, {"prometheus": files})
    [rule_file] = [name for name, text in files.items()
                   if name.startswith("rules/") and conventions.ALERT_ENGINE_NOTIFICATIONS_FAILING in text]
    series = []
    for channel in CHANNEL_OF.values():
        values = [failed(s, channel) for s in scrapes]
        first = next(i for i, v in enumerate(values) if v)  # the counter exists from its first failure
        text = " ".join("_" if i < first else f"{v:g}" for i, v in enumerate(values))
        series.append({"series": f'{conventions.ENGINE_NOTIFICATIONS}{{channel="{channel}",outcome="failed",'
                                 f'job="{conventions.ENGINE_JOB}"}}', "values": text})
    firing = f'count by (channel) (ALERTS{{alertname="{conventions.ALERT_ENGINE_NOTIFICATIONS_FAILING}",alertstate="firing"}})'
    at = OUTAGE + 60  # a minute after the channels came back, the alert has been raised
    test = {"rule_files": [str(tmp_path / "prometheus" / rule_file)], "evaluation_interval": f"{SCRAPE_EVERY}s",
            "tests": [{"interval": f"{SCRAPE_EVERY}s", "input_series": series, "promql_expr_test": [
                {"expr": firing, "eval_time": f"{at}s",
                 "exp_samples": [{"labels": f'{{channel="{c}"}}', "value": 1} for c in CHANNEL_OF.values()]}]}]}
    path = tmp_path / "outage_test.yml"
    path.write_text(yaml.safe_dump(test))
    result = subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr + "\n" + path.read_text()
