"""A recognisable secret (webhook URL token, routing key, password) appears in no log record,
no SendResult and no exception, whether the send succeeds, fails, is retried or errors."""

from __future__ import annotations

import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from channel_recorder import ChannelRecorder

from tenantwatch.channels import SENDERS, deliver
from tenantwatch.spec.models import DiscordChannel, EmailChannel, PagerDutyChannel, SlackChannel, WebhookChannel

SECRET = "S3CRET-7f3a9c-DO-NOT-LOG"


class RefusingAuth:
    """An SMTP server that refuses the password (so the failure path runs with the secret in hand)."""

    async def handle_DATA(self, server, session, envelope) -> str:
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)


def configs(server: ChannelRecorder, smtp_port: int, closed_port: int) -> list[tuple[object, dict[str, str]]]:
    secret_url = server.url(f"/hooks/{SECRET}")
    return [
        (SlackChannel(type="slack", webhook_url="env:URL"), {"URL": secret_url}),
        (SlackChannel(type="slack", webhook_url=f"http://127.0.0.1:{closed_port}/{SECRET}"), {}),
        (DiscordChannel(type="discord", webhook_url="env:URL"), {"URL": secret_url}),
        (WebhookChannel(type="webhook", url=secret_url), {}),
        (PagerDutyChannel(type="pagerduty", routing_key="env:KEY", url=server.url("/v2/enqueue")), {"KEY": SECRET}),
        (PagerDutyChannel(type="pagerduty", routing_key=SECRET, url=f"http://127.0.0.1:{closed_port}/v2"), {}),
        (EmailChannel.model_validate({"type": "email", "to": ["a@example.com"], "from": "tw@example.com",
                                      "smarthost": f"127.0.0.1:{smtp_port}", "require_tls": False,
                                      "username": "tw", "password": "env:PW"}), {"PW": SECRET}),
    ]


@pytest.fixture
def free_ports(port) -> tuple[int, int]:
    """Two distinct free ports: one for the SMTP server, one where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return port, s.getsockname()[1]


@pytest.mark.parametrize("statuses", [[500, 200], [400], [429, 429, 429]])
def test_no_secret_in_logs_or_results(caplog, notification, free_ports, statuses):
    smtp_port, closed_port = free_ports
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    controller = Controller(RefusingAuth(), hostname="127.0.0.1", port=smtp_port, authenticator=RefusingAuth(),
                            auth_require_tls=False)
    controller.start()
    results = []
    try:
        with ChannelRecorder(statuses=list(statuses) * 7) as server:
            for config, environ in configs(server, smtp_port, closed_port):
                results.append(deliver(config, notification, environ, attempts=3, sleep=lambda s: None))
    finally:
        controller.stop()

    assert len(server.requests) >= 4  # the secret really was in use on the wire
    for result in results:
        assert SECRET not in repr(result)
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.exc_info or "")
    assert SECRET not in caplog.text


def test_missing_secret_error_names_the_variable_not_other_values(notification):
    environ = {"UNRELATED": SECRET}
    result = deliver(PagerDutyChannel(type="pagerduty", routing_key="env:PD_ROUTING_KEY"), notification, environ,
                     sleep=lambda s: None)
    assert "PD_ROUTING_KEY" in result.detail
    assert SECRET not in result.detail


def test_a_sender_that_raises_does_not_leak_its_message(caplog, monkeypatch, notification):
    def explodes(config, notification, environ):
        raise RuntimeError(f"cannot post to https://hooks.example/{SECRET}")

    class Config:
        type = "explodes"

    monkeypatch.setitem(SENDERS, "explodes", explodes)
    caplog.set_level(logging.DEBUG)
    result = deliver(Config(), notification, {}, attempts=2, sleep=lambda s: None)
    assert not result.ok and "sender error: RuntimeError" in result.detail
    assert SECRET not in caplog.text and SECRET not in repr(result)
    assert "RuntimeError at" in caplog.text
