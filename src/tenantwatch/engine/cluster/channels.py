"""The NOTIFY channels replicas talk on, the advisory lock keys, and the connection string."""

from __future__ import annotations

from sqlalchemy.engine import URL

INTAKE = "tenantwatch_intake"  # {"last": id, "want": [ids]}: an append committed (its waiters)
POSITION = "tenantwatch_position"  # "id": the cursor passed it
RESULT = "tenantwatch_result"  # {"id": id, "result": {...}}: what an awaited entry did
EVENTS = "tenantwatch_events"  # an incident event for the live views (JSON)
WAKE = "tenantwatch_wake"  # "": the scheduler has work (an API write)

# pg_advisory_lock keys (64-bit), one per purpose; the high bits spell "twch"
LEADER_KEY = 0x7477636800000001  # session lock: the replica that processes and schedules
SOLO_KEY = 0x7477636800000002  # session lock: shared by worker-mode replicas, exclusive in-process
APPEND_KEY = 0x7477636800000003  # transaction lock: intake appends commit in id order
WRITE_KEY = 0x7477636800000004  # transaction lock: store writes, one at a time across processes

MAX_PAYLOAD = 7900  # bytes: PostgreSQL refuses a NOTIFY payload of 8000 or more


def libpq_url(url: URL) -> str:
    """The store's SQLAlchemy URL as a libpq connection string (for psycopg directly)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
