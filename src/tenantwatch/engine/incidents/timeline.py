"""The one way to write a timeline line: `IncidentChanges.note`, which also moves the
incident's updated_at and keeps the event the live dashboard is sent.

State changes (incidents, platform links, escalation, delivery, remediation) note here what
they did; the lines are written before the commit and the events published after it. Intake
and the API's use cases do both steps themselves; everything else writes in `recording()`,
which does them, so no line is left out of the live stream.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sqlalchemy.orm import Session

from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Incident, TimelineEvent

ENGINE = "engine"  # "who" of what the engine does by itself


@dataclass
class IncidentChanges:
    """What a transaction changed: timeline rows to write (in one statement, by `flush`),
    the incidents touched and the events to publish after the commit."""

    touched: set[int] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    _groups: dict[tuple[int, str, str], list[str]] = field(default_factory=dict)

    def note(self, incident: Incident, kind: str, who: str, detail: str, now: dt.datetime, *, group: bool = False,
             audience: str | None = None) -> None:
        """Add a timeline entry and remember the change for publishing. With `group`, entries
        of one incident, kind and who in this transaction become one line listing them all
        (a batch of 100 alerts is one `alert.fired` entry, not 100). With `audience`, only
        that tenant (and admins) see the line: a platform incident's line about one tenant."""
        key = (incident.id, kind, who)
        if group and key in self._groups:
            self._groups[key].append(detail)
            return
        entry = {"incident_id": incident.id, "at": now, "kind": kind, "who": who, "detail": detail, "tenant": audience}
        if group:
            self._groups[key] = entry["details"] = [detail]
        self.timeline.append(entry)
        incident.updated_at = now
        self.touched.add(incident.id)
        self.events.append({"type": "incident", "id": incident.id, "tenant": incident.tenant,
                            "status": incident.status, "kind": kind})

    def flush(self, session: Session) -> None:
        """Write the noted timeline rows; call before the commit."""
        for entry in self.timeline:
            if details := entry.pop("details", None):
                entry["detail"] = _listing(details)
        insert_rows(session, TimelineEvent, self.timeline)
        self.timeline, self._groups = [], {}


def _listing(details: list[str], most: int = 10) -> str:
    if len(details) == 1:
        return details[0]
    shown = ", ".join(details[:most])
    return f"{len(details)} alerts: {shown}" + (f" and {len(details) - most} more" if len(details) > most else "")


Publish = Callable[[IncidentChanges], None]  # hands a committed transaction's events to the live views


def broadcast(events: Broadcaster) -> Publish:
    """Publish every event of committed changes to the live views (the dashboard's streams)."""
    def publish(changes: IncidentChanges) -> None:
        for event in changes.events:
            events.publish(event)
    return publish


@contextmanager
def recording(store: Store, publish: Publish) -> Iterator[tuple[Session, IncidentChanges]]:
    """A write transaction whose noted timeline lines are written before its commit and
    published after it (nothing is published when it fails)."""
    changes = IncidentChanges()
    with store.write() as session:
        yield session, changes
        changes.flush(session)
    publish(changes)
