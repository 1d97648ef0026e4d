"""The remediation runner's History (tenantwatch.remediation.history) over the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tenantwatch.engine.store.db import Store
from tenantwatch.engine.store.models import RemediationAttempt


class StoreHistory:
    def __init__(self, store: Store) -> None:
        self.store = store

    def attempts(self, tenant: str, rule_index: int, since: dt.datetime) -> list[tuple[dt.datetime, bool]]:
        with self.store.read() as session:
            rows = session.execute(select(RemediationAttempt.at, RemediationAttempt.ok).where(
                RemediationAttempt.tenant == tenant, RemediationAttempt.rule_index == rule_index,
                RemediationAttempt.at >= since).order_by(RemediationAttempt.at))
            return [(at, ok) for at, ok in rows]

    def record(self, tenant: str, rule_index: int, at: dt.datetime, ok: bool) -> None:
        with self.store.write() as session:
            session.add(RemediationAttempt(tenant=tenant, rule_index=rule_index, at=at, ok=ok))
