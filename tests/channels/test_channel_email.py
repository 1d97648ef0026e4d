"""Email reaches a real SMTP server (aiosmtpd on 127.0.0.1) with subject, text and HTML parts."""

from __future__ import annotations

import pytest
from smtp_server import Mailbox, channel, start

from tenantwatch.channels import deliver


def test_email_has_subject_text_and_html(smtp, notification):
    mailbox, port = smtp
    result = deliver(channel(port), notification, {}, sleep=lambda s: None)
    assert result.ok, result.detail

    assert mailbox.envelopes == [("alerts@example.com", ["sre@example.com", "oncall@example.com"])]
    [mail] = mailbox.messages
    assert mail["Subject"] == "[TRIGGERED] [CRITICAL] acme: API latency above objective (L1)"
    assert mail["References"] == "<tenantwatch-acme-42@tenantwatch>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "acme" in part and "api, db" in part and "p95 latency is 870ms" in part
        assert "https://tw.example.com/incidents/42" in part
    assert "Root cause: db" in text
    assert 'border-left: 6px solid #d00000' in html


def test_html_part_escapes_alert_text(smtp, make_notification):
    mailbox, port = smtp
    deliver(channel(port), make_notification(title="<script>alert(1)</script>"), {}, sleep=lambda s: None)
    html = mailbox.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_login_uses_the_resolved_password(smtp, notification):
    mailbox, port = smtp
    config = channel(port, username="tw", password="env:SMTP_PASSWORD")
    assert deliver(config, notification, {"SMTP_PASSWORD": "letmein"}, sleep=lambda s: None).ok
    assert mailbox.logins == [("tw", "letmein")]
    assert len(mailbox.messages) == 1


def test_refused_login_is_not_retried(smtp, notification):
    mailbox, port = smtp
    config = channel(port, username="tw", password="env:SMTP_PASSWORD")
    result = deliver(config, notification, {"SMTP_PASSWORD": "wrong"}, sleep=lambda s: None)
    assert not result.ok and not result.retryable
    assert result.detail == "failed after 1 attempt(s): SMTP login refused (535)"
    assert set(mailbox.logins) == {("tw", "wrong")}  # smtplib tries PLAIN, then LOGIN, in one attempt
    assert mailbox.messages == []


def test_require_tls_without_starttls_fails_clearly(smtp, notification):
    mailbox, port = smtp
    result = deliver(channel(port, require_tls=True), notification, {}, sleep=lambda s: None)
    assert not result.ok and not result.retryable
    assert "STARTTLS" in result.detail
    assert mailbox.messages == []


@pytest.mark.parametrize(("reply", "retryable", "tries"), [("451 try later", True, 2), ("554 rejected", False, 1)])
def test_temporary_smtp_errors_are_retried_permanent_ones_not(port, notification, reply, retryable, tries):
    mailbox = Mailbox(reply=reply)
    controller = start(mailbox, port)
    waits: list[float] = []
    try:
        result = deliver(channel(port), notification, {}, attempts=2, sleep=waits.append)
    finally:
        controller.stop()
    assert not result.ok and result.retryable is retryable
    assert len(waits) == tries - 1
    assert f"SMTP {reply[:3]}" in result.detail


def test_newlines_in_alert_text_cannot_inject_mail_headers(smtp, make_notification):
    mailbox, port = smtp
    result = deliver(channel(port), make_notification(title="disk full\nBcc: attacker@evil.example"), {},
                     sleep=lambda s: None)
    assert result.ok, result.detail
    assert mailbox.envelopes[0][1] == ["sre@example.com", "oncall@example.com"]
    [mail] = mailbox.messages
    assert mail["Bcc"] is None
    assert mail["Subject"].strip() == "[TRIGGERED] [CRITICAL] acme: disk full Bcc: attacker@evil.example (L1)"
