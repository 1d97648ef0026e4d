"""A Slack and a PagerDuty endpoint down for 45 minutes, far past the old ten minutes of
attempts: the engine keeps retrying, every notification arrives exactly once after the
recovery, the age of the oldest waiting message is on /metrics the whole time, and the
rendered TenantwatchNotificationsStuck rule fed those scrapes fires through the outage (where
the failure rate alone goes quiet between capped retries). A message still failing past
`notify_max_age` is given up and said so on the timeline. Time is a fake clock.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tenantwatch import conventions
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tenantwatch.render import RenderOptions
from tenantwatch.render.emit import write_tree
from tenantwatch.render.prometheus import render_prometheus
from tests.engine.channel_outage import ChannelOutage
from tests.engine.conftest import T0, Engine, alert, make_spec
from tests.engine.test_notification_outage import CHANNEL_OF, ESCALATION, PAGERDUTY, SLACK, TENANTS, pending, scrape, start, value

STEP = 30  # seconds of fake time between passes and scrapes
OUTAGE = 45 * 60


def oldest(samples: dict, channel: str) -> float:
    return value(samples, conventions.ENGINE_NOTIFICATIONS_OLDEST_PENDING, channel=channel)


def timeline(engine: Engine, kind: str) -> list[str]:
    return [e["detail"] for incident in engine.incidents() for e in incident["timeline"] if e["kind"] == kind]


def test_a_45_minute_outage_still_delivers_everything_once(sqlite_store: Store, tmp_path: Path) -> None:
    with ChannelOutage({SLACK, PAGERDUTY}, "500") as outage:
        clock = FakeClock(T0)
        engine = start(sqlite_store, outage.url, clock)
        assert engine.post([alert(tenant=t, service="api", name="ApiDown", severity="critical") for t in TENANTS]).status_code // 100 == 2
        scrapes = []
        for _ in range(0, OUTAGE, STEP):
            engine.tick()
            scrapes.append(scrape(engine))
            clock.advance(STEP)
        assert outage.delivered(SLACK) == [] and outage.delivered(PAGERDUTY) == []
        assert outage.attempts(SLACK) > 8  # well past the old limit of eight attempts
        during = scrapes[-1]
        assert pending(during, "slack-alerts") == 2 * len(TENANTS) and pending(during, "pagerduty-critical") == len(TENANTS)
        assert oldest(during, "pagerduty-critical") >= OUTAGE - STEP

        outage.recover()
        for _ in range(20):  # one capped backoff (5 min) at most
            engine.tick()
            scrapes.append(scrape(engine))
            clock.advance(STEP)
        assert len(outage.delivered(SLACK)) == 2 * len(TENANTS)  # L1 and L2 of each incident, once
        keys = sorted(body["dedup_key"] for body in outage.delivered(PAGERDUTY))
        assert keys == sorted(f"tenantwatch-{t}-{i}" for i, t in enumerate(TENANTS, 1)), keys
        assert timeline(engine, "notify.failed") == []
        assert all(pending(scrapes[-1], c) == 0 and oldest(scrapes[-1], c) == 0 for c in CHANNEL_OF.values())

    assert_stuck_fires_through_the_outage(scrapes, tmp_path)


def assert_stuck_fires_through_the_outage(scrapes: list[dict], tmp_path: Path) -> None:
    """promtool evaluates the rendered rule on the oldest-pending ages the engine exported:
    firing from 15 minutes plus its `for:` until the channels are back, not after."""
    files = render_prometheus(make_spec(escalation=ESCALATION), RenderOptions(profile="standard"))
    write_tree(tmp_path, {"prometheus": files})
    rule_files = [str(tmp_path / "prometheus" / name) for name, text in files.items()
                  if name.startswith("rules/") and conventions.ALERT_ENGINE_NOTIFICATIONS_STUCK in text]
    series = [{"series": f'{conventions.ENGINE_NOTIFICATIONS_OLDEST_PENDING}{{channel="{c}",job="{conventions.ENGINE_JOB}"}}',
               "values": " ".join("_" if (pending(s, c) == 0) else f"{oldest(s, c):g}" for s in scrapes)}
              for c in CHANNEL_OF.values()]
    firing = f'count by (channel) (ALERTS{{alertname="{conventions.ALERT_ENGINE_NOTIFICATIONS_STUCK}",alertstate="firing"}})'
    everyone = [{"labels": f'{{channel="{c}"}}', "value": 1} for c in CHANNEL_OF.values()]
    checks = [{"expr": firing, "eval_time": f"{at}s", "exp_samples": expected}
              for at, expected in [(600, []), (20 * 60, everyone), (OUTAGE - 60, everyone), (OUTAGE + 15 * 60, [])]]
    test = {"rule_files": rule_files, "evaluation_interval": f"{STEP}s",
            "tests": [{"interval": f"{STEP}s", "input_series": series, "promql_expr_test": checks}]}
    path = tmp_path / "stuck_test.yml"
    path.write_text(yaml.safe_dump(test))
    result = subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_message_older_than_the_max_age_is_given_up(sqlite_store: Store) -> None:
    with ChannelOutage({SLACK}, "500") as outage:
        clock = FakeClock(T0)
        engine = start(sqlite_store, outage.url, clock)
        engine.post([alert(tenant="acme", service="api", name="ApiDown", severity="critical")])
        for _ in range(0, 7 * 3600, 300):  # the default max age is six hours
            engine.tick()
            clock.advance(300)
        failed = timeline(engine, "notify.failed")
        assert len(failed) == 2 and all(d.startswith("slack-alerts") and "gave up" in d and "6h" in d for d in failed), failed
        assert pending(scrape(engine), "slack-alerts") == 0
        assert value(scrape(engine), conventions.ENGINE_NOTIFICATIONS, channel="slack-alerts", outcome="failed") > 8
        outage.recover()
        engine.tick()
        clock.advance(3600)
        engine.tick()
        assert outage.delivered(SLACK) == []  # given up means never sent later
