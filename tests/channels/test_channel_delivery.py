"""Retries with backoff: transient failures are retried and delivered once, permanent ones are not."""

from __future__ import annotations

import pytest
from channel_recorder import ChannelRecorder

from tenantwatch.channels import deliver
from tenantwatch.channels.delivery import backoff_delays
from tenantwatch.channels.http import CHANNEL_TIMEOUT_VAR, TIMEOUT_SECONDS, request_timeout
from tenantwatch.spec.models import SlackChannel, WebhookChannel


def slack(url: str) -> SlackChannel:
    return SlackChannel(type="slack", webhook_url=url)


def test_retries_on_500_then_delivers_exactly_once(notification):
    waits: list[float] = []
    with ChannelRecorder(statuses=[500, 503]) as server:
        result = deliver(slack(server.url("/hook")), notification, {}, attempts=3, backoff=0.5, sleep=waits.append)
    assert result.ok, result.detail
    assert len(server.requests) == 3
    assert len(server.delivered) == 1
    assert waits == [0.5, 1.0]
    assert "after 3 attempt(s)" in result.detail


def test_a_400_is_not_retried(notification):
    waits: list[float] = []
    with ChannelRecorder(statuses=[400, 400, 400]) as server:
        result = deliver(slack(server.url("/hook")), notification, {}, attempts=3, sleep=waits.append)
    assert not result.ok and not result.retryable
    assert len(server.requests) == 1
    assert waits == []
    assert "HTTP 400" in result.detail


def test_a_429_is_retried(notification):
    with ChannelRecorder(statuses=[429]) as server:
        result = deliver(slack(server.url("/hook")), notification, {}, attempts=2, sleep=lambda s: None)
    assert result.ok
    assert [r.status for r in server.requests] == [429, 200]


def test_gives_up_after_the_last_attempt_and_says_so(notification):
    with ChannelRecorder(statuses=[500] * 5) as server:
        result = deliver(slack(server.url("/hook")), notification, {}, attempts=4, backoff=1, sleep=lambda s: None)
    assert not result.ok and result.retryable
    assert len(server.requests) == 4 and server.delivered == []
    assert result.detail == "failed after 4 attempt(s): HTTP 500"


def test_unreachable_endpoint_is_a_retryable_network_error(notification, port):
    waits: list[float] = []
    result = deliver(WebhookChannel(type="webhook", url=f"http://127.0.0.1:{port}/x"), notification, {},
                     attempts=3, backoff=2, sleep=waits.append)
    assert not result.ok and result.retryable
    assert "network error: ConnectError" in result.detail
    assert waits == [2, 4]


def test_unresolvable_secret_is_a_clear_error_without_any_request(recorder, notification):
    result = deliver(slack("env:SLACK_WEBHOOK_URL"), notification, {"OTHER": "x"}, sleep=lambda s: None)
    assert not result.ok and not result.retryable
    assert "webhook_url: environment variable SLACK_WEBHOOK_URL is not set" in result.detail
    assert recorder.requests == []


def test_file_secret_is_read_at_send_time(recorder, notification, tmp_path):
    secret = tmp_path / "slack.url"
    secret.write_text(recorder.url("/from-file") + "\n")
    assert deliver(slack(f"file:{secret}"), notification, {}, sleep=lambda s: None).ok
    assert recorder.delivered[0].path == "/from-file"


def test_unknown_channel_type_is_refused(notification):
    class Pager:
        type = "carrier-pigeon"

    result = deliver(Pager(), notification, {}, sleep=lambda s: None)
    assert not result.ok and not result.retryable
    assert "carrier-pigeon" in result.detail


@pytest.mark.parametrize(("attempts", "backoff", "expected"), [(1, 1, []), (4, 1, [1, 2, 4]), (9, 10, [10, 20, 40, 60, 60, 60, 60, 60])])
def test_backoff_doubles_and_is_capped(attempts, backoff, expected):
    assert backoff_delays(attempts, backoff) == expected


@pytest.mark.parametrize(("retry_after", "waits"), [("7", [7.0]), ("0", [1.0]), ("3600", [60.0]), ("Wed, 21 Oct 2015 07:28:00 GMT", [1.0])])
def test_retry_after_is_honoured_within_the_cap(notification, retry_after, waits):
    slept: list[float] = []
    with ChannelRecorder(statuses=[429], retry_after=retry_after) as server:
        result = deliver(slack(server.url("/hook")), notification, {}, attempts=2, backoff=1, sleep=slept.append)
    assert result.ok and slept == waits


@pytest.mark.parametrize(("setting", "seconds"), [(None, TIMEOUT_SECONDS), ("2.5", 2.5), ("0", TIMEOUT_SECONDS),
                                                  ("-1", TIMEOUT_SECONDS), ("soon", TIMEOUT_SECONDS), ("inf", TIMEOUT_SECONDS)])
def test_the_channel_timeout_setting_is_used_when_it_is_a_positive_number(setting, seconds, caplog):
    environ = {} if setting is None else {CHANNEL_TIMEOUT_VAR: setting}
    assert request_timeout(environ) == seconds
    assert (CHANNEL_TIMEOUT_VAR in caplog.text) == (setting is not None and seconds == TIMEOUT_SECONDS)
