"""Fixtures for channel tests: a recording HTTP server and a sample notification."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from channel_recorder import ChannelRecorder
from smtp_server import Mailbox, start

from tenantwatch.channels import Notification


@pytest.fixture
def recorder() -> Iterator[ChannelRecorder]:
    with ChannelRecorder() as server:
        yield server


@pytest.fixture
def smtp(port: int) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = start(mailbox, port)
    yield mailbox, port
    controller.stop()


def _notification(**changes: object) -> Notification:
    fields: dict[str, object] = dict(
        incident_id=42, tenant="acme", title="API latency above objective", severity="critical",
        event="trigger", level="L1", services=("api", "db"), root_cause="db",
        summary="p95 latency is 870ms, objective 200ms", url="https://tw.example.com/incidents/42",
        labels={"tenant": "acme", "service": "api", "severity": "critical"},
        runbook_url="https://runbooks.example.com/api-latency",
    )
    fields.update(changes)
    return Notification(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_notification() -> Callable[..., Notification]:
    """A factory: the sample notification with some fields changed."""
    return _notification


@pytest.fixture
def notification() -> Notification:
    return _notification()
