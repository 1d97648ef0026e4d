"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives, and an email
channel pointed at it."""

from __future__ import annotations

import email
import email.policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tenantwatch.spec.models import EmailChannel


class Mailbox:
    """aiosmtpd handler and authenticator that keep what they receive."""

    def __init__(self, reply: str = "250 OK") -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []
        self.reply = reply

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return self.reply

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"letmein", handled=False)


def start(mailbox: Mailbox, port: int) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox, auth_require_tls=False)
    controller.start()
    return controller


def channel(port: int, **extra: object) -> EmailChannel:
    return EmailChannel.model_validate({"type": "email", "to": ["sre@example.com", "oncall@example.com"],
                                        "from": "alerts@example.com", "smarthost": f"127.0.0.1:{port}",
                                        "require_tls": False, **extra})
