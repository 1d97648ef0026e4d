"""The answering process's part in a cluster: whichever replica leads, this one's readers wait
for the shared cursor, its webhook senders get their results, and its dashboards see every
replica's incident events (and its own reach the others)."""

from __future__ import annotations

import json
from typing import Any, Callable

from tenantwatch.engine.background.link import WorkerLink
from tenantwatch.engine.cluster.channels import EVENTS, INTAKE, POSITION, RESULT, WAKE
from tenantwatch.engine.cluster.listener import Listener
from tenantwatch.engine.cluster.notifier import Notifier
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.intake.log import IntakeLog


class ClusterBroadcaster(Broadcaster):
    """`publish` goes to every replica (this one included); `deliver` hands what arrives to the
    subscribers here."""

    def __init__(self, notifier: Notifier) -> None:
        super().__init__()
        self._notifier = notifier

    def publish(self, event: dict[str, Any]) -> None:
        self._notifier.send(EVENTS, json.dumps(event))

    def deliver(self, event: dict[str, Any]) -> None:
        super().publish(event)


class ReplicaViews:
    def __init__(self, dsn: str, notifier: Notifier, intake_log: IntakeLog, link: WorkerLink,
                 events: ClusterBroadcaster, stored_position: Callable[[], int]) -> None:
        self._notifier, self._log, self._link, self._stored_position = notifier, intake_log, link, stored_position
        self._listener = Listener(dsn, {
            INTAKE: lambda payload: intake_log.observe(json.loads(payload)["last"]),
            POSITION: lambda payload: link.observe_position(int(payload)),
            RESULT: self._result,
            EVENTS: lambda payload: events.deliver(json.loads(payload)),
        }, on_connect=self._resync)

    def _result(self, payload: str) -> None:
        done = json.loads(payload)
        self._link.deliver_result(done["id"], done["result"])

    def _resync(self) -> None:
        """What the notifications missed while not listening."""
        self._log.refresh()
        self._link.observe_position(self._stored_position())

    def wake(self) -> None:
        """Wake the leader's scheduler, wherever it runs."""
        self._notifier.send(WAKE, "")

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()
