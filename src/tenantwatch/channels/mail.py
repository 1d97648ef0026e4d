"""Email through the channel's smarthost with smtplib: subject, plain text and HTML parts.

STARTTLS is required when `require_tls` (port 465 uses implicit TLS instead); the password
is resolved only when a username is set. All messages about one incident share a
References header, so mail clients thread trigger, acknowledge and resolve together.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Mapping

from tenantwatch.channels.base import Notification, SendResult, register
from tenantwatch.channels.http import request_timeout
from tenantwatch.channels.messages import one_line, render
from tenantwatch.secrets import resolve_secret
from tenantwatch.spec.models import EmailChannel

TIMEOUT_SECONDS = 15.0
IMPLICIT_TLS_PORT = 465
MAIL_DOMAIN = "tenantwatch"


def message(config: EmailChannel, notification: Notification) -> EmailMessage:
    """The MIME message: text first, HTML alternative, threaded per incident."""
    mail = EmailMessage()
    mail["Subject"] = one_line(render("email_subject.txt.j2", notification))
    mail["From"] = config.from_
    mail["To"] = ", ".join(config.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=MAIL_DOMAIN)
    thread = f"<{notification.dedup_key}@{MAIL_DOMAIN}>"
    mail["References"] = thread
    mail["In-Reply-To"] = thread
    mail["X-Tenantwatch-Tenant"] = one_line(notification.tenant)
    mail.set_content(render("email.txt.j2", notification) + "\n")
    mail.add_alternative(render("email.html.j2", notification) + "\n", subtype="html")
    return mail


def _smtp_failure(exc: smtplib.SMTPException) -> SendResult:
    """A 4xx SMTP reply is temporary (retry), a 5xx permanent; the server's text is not echoed."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPServerDisconnected) or code is None:
        return SendResult(ok=False, detail=f"SMTP error: {type(exc).__name__}", retryable=True)
    return SendResult(ok=False, detail=f"SMTP {code} ({type(exc).__name__})", retryable=400 <= code < 500)


def _connect(config: EmailChannel, timeout: float) -> smtplib.SMTP:
    host, port = config.smarthost.rsplit(":", 1)
    if int(port) == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(host, int(port), timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, int(port), timeout=timeout)
    if config.require_tls:
        smtp.starttls(context=ssl.create_default_context())
    return smtp


@register("email")
def send(config: EmailChannel, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    password = resolve_secret(config.password, environ, field="password") if config.username and config.password else None
    mail = message(config, notification)
    try:
        with _connect(config, request_timeout(environ, TIMEOUT_SECONDS)) as smtp:
            if config.username and password is not None:
                smtp.login(config.username, password)
            smtp.send_message(mail)
    except smtplib.SMTPNotSupportedError:
        return SendResult(ok=False, detail="SMTP server does not offer STARTTLS (require_tls is set)", retryable=False)
    except smtplib.SMTPAuthenticationError as exc:
        return SendResult(ok=False, detail=f"SMTP login refused ({exc.smtp_code})", retryable=False)
    except smtplib.SMTPException as exc:
        return _smtp_failure(exc)
    except OSError as exc:
        return SendResult(ok=False, detail=f"network error: {type(exc).__name__}", retryable=True)
    return SendResult(ok=True, detail=f"sent to {len(config.to)} recipient(s)")
