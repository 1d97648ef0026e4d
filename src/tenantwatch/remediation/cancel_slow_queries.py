"""Cancel (or terminate) PostgreSQL queries that have run longer than a limit.

The statement is one of two constants; the limit and database name are bound parameters, so
nothing from a spec or an alert is ever spliced into SQL. Only client backends are touched,
never the action's own. The connecting role needs pg_signal_backend (or to own the queries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tenantwatch.remediation.action import AllowlistedAction
from tenantwatch.remediation.base import Outcome, Plan, register
from tenantwatch.remediation.clients import POSTGRES
from tenantwatch.spec.units import format_duration

_SELECT = """
SELECT pid, datname, {signal}(pid) AS signalled
FROM pg_stat_activity
WHERE state <> 'idle'
  AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND now() - query_start > %(older_than)s
  AND (%(datname)s::text IS NULL OR datname = %(datname)s::text)
"""
STATEMENTS = {False: _SELECT.format(signal="pg_cancel_backend"), True: _SELECT.format(signal="pg_terminate_backend")}
CONNECT_TIMEOUT_SECONDS = 10


class CancelSlowQueries(AllowlistedAction):
    name = "cancel_slow_queries"
    client = POSTGRES

    def describe(self, params: Any, tenant: str) -> tuple[dict[str, Any], str]:
        verb = "terminate" if params.terminate else "cancel"
        where = f" in database {params.datname}" if params.datname else ""
        return ({"older_than_seconds": params.older_than, "datname": params.datname, "terminate": params.terminate},
                f"{verb} queries running longer than {format_duration(params.older_than)}{where}")

    def act(self, plan: Plan, client: Any) -> Outcome:
        """`client` is the tenant's libpq connection string."""
        import psycopg

        statement = STATEMENTS[bool(plan.target["terminate"])]
        values = {"older_than": dt.timedelta(seconds=plan.target["older_than_seconds"]), "datname": plan.target["datname"]}
        with psycopg.connect(client, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            rows = conn.execute(statement, values).fetchall()
        signalled = [pid for pid, _, ok in rows if ok]
        refused = [pid for pid, _, ok in rows if not ok]
        detail = f"{'terminated' if plan.target['terminate'] else 'cancelled'} {len(signalled)} query(ies)"
        if refused:
            detail += f"; {len(refused)} could not be signalled (permission?)"
        return Outcome(ok=not refused, detail=detail, data={"pids": signalled, "refused_pids": refused})

    def errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error,)


register(CancelSlowQueries())
