"""The engine's tables (SQLAlchemy 2 declarative); the Alembic migrations create them.

Times are stored as naive UTC and handed back timezone-aware, so SQLite and PostgreSQL
behave the same. An alert is identified by (tenant, fingerprint, starts_at): the tenant is
part of the key so one tenant can never collide with, or shadow, another tenant's alert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: a larger value overflows a PostgreSQL lookup


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # tenant | admin | intake
    tenant: Mapped[str | None] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_tenant_status", "tenant", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | acknowledged | resolved
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    services: Mapped[list[str]] = mapped_column(JSON)
    root_cause: Mapped[str | None] = mapped_column(String(64))
    escalation_level: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    last_alert_at: Mapped[dt.datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None]
    # The platform incident (a shared service's outage) this tenant incident follows from.
    caused_by: Mapped[int | None] = mapped_column(Integer, index=True)
    alerts: Mapped[list[Alert]] = relationship(back_populates="incident", order_by="Alert.id")
    timeline: Mapped[list[TimelineEvent]] = relationship(order_by="TimelineEvent.id", cascade="all, delete-orphan")
    affected: Mapped[list[IncidentTenant]] = relationship(order_by="IncidentTenant.tenant", cascade="all, delete-orphan")


class IncidentTenant(Base):
    """A tenant a platform incident affects: one row per (incident, tenant), so "the platform
    incidents of tenant T" is one indexed lookup on SQLite and PostgreSQL alike."""

    __tablename__ = "incident_tenants"
    __table_args__ = (Index("ix_incident_tenants_tenant", "tenant", "incident_id"),)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("tenant", "fingerprint", "starts_at", name="uq_alert_identity"),
                      Index("ix_alerts_fingerprint", "fingerprint"))  # the intake's lookup (ingest._stored)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # firing | resolved
    alertname: Mapped[str] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]]
    annotations: Mapped[dict[str, Any]]
    received_at: Mapped[dt.datetime]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    incident: Mapped[Incident | None] = relationship(back_populates="alerts")


class TimelineEvent(Base):
    __tablename__ = "timeline_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(32))
    who: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    # Set on a platform incident's line about one tenant: only that tenant (and admins) see it.
    tenant: Mapped[str | None] = mapped_column(String(64), default=None)


class Escalation(Base):
    """One level of one incident's escalation, pending until due (survives restarts)."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id", "level", name="uq_escalation_level"),
                      Index("ix_escalations_state_due", "state", "due_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(4))
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16))  # pending | fired | cancelled
    held_by: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    """One notification to deliver: exactly one row per (incident, channel, event, level)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("incident_id", "channel", "event", "level", name="uq_outbox_message"),
                      Index("ix_outbox_state_next", "state", "next_attempt_at"),
                      Index("ix_outbox_state_channel_queued", "state", "channel", "queued_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(16))  # trigger | acknowledge | resolve | rise:<severity>
    level: Mapped[str] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[dt.datetime]  # its age decides when delivery is given up
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Append-only: rows are inserted, and deleted only by retention."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_tenant_at", "tenant", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    who: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]


class RemediationAttempt(Base):
    """A real (not dry-run) remediation attempt: the runner's rate limit and circuit breaker
    read these, so both survive a restart."""

    __tablename__ = "remediation_attempts"
    __table_args__ = (Index("ix_remediation_attempts_key", "tenant", "rule_index", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    rule_index: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    ok: Mapped[bool]


class IntakeCursor(Base):
    """How far the intake log has been processed: moved in the same transaction as the
    incidents it produced, so a crash replays exactly what was not yet done."""

    __tablename__ = "intake_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
