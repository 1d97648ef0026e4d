"""`tenantwatch serve`: load the spec, open and migrate the store, run the app under uvicorn.

With no --spec the reference spec shipped inside the package (engine/reference_spec.yaml, a
copy of examples/platform.yaml) is used, so `tenantwatch serve` works on a fresh machine.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Callable

from tenantwatch.engine.api.proxies import DEFAULT_TRUSTED_PROXIES
from tenantwatch.engine.api.ratelimit import AuthLimits
from tenantwatch.engine.cluster.channels import SOLO_KEY, libpq_url
from tenantwatch.engine.cluster.locks import SessionLock
from tenantwatch.engine.config import DEFAULT_CORRELATION_WINDOW, DEFAULT_NOTIFY_MAX_AGE, EngineConfig
from tenantwatch.engine.store import Store, StoreError, open_store
from tenantwatch.engine.tuning import tune_interpreter
from tenantwatch.spec import Spec, load_spec

REFERENCE_SPEC = Path(__file__).with_name("reference_spec.yaml")


def load_engine_spec(path: Path | None) -> Spec:
    """The spec at `path`, or the packaged reference spec; SpecError lists every problem."""
    return load_spec(path or REFERENCE_SPEC)


def intake_tokens(spec: Spec) -> tuple[str, ...]:
    """The credential Alertmanager sends (spec.engine.intake_key_file), when that file exists."""
    try:
        token = Path(spec.engine.intake_key_file).read_text(encoding="utf-8").strip()
    except OSError:
        return ()
    return (token,) if token else ()


def serve(*, spec_path: Path | None, db_url: str | None, host: str, port: int, retention_days: float | None,
          tick_interval: float, correlation_window: float = DEFAULT_CORRELATION_WINDOW,
          trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES, auth_limits: AuthLimits = AuthLimits(),
          notify_max_age: float = DEFAULT_NOTIFY_MAX_AGE, worker_process: bool = True) -> None:
    import uvicorn

    from tenantwatch.engine.app import create_app

    spec = load_engine_spec(spec_path)
    store = open_store(db_url)
    worker_process = worker_process and not store.in_memory  # an in-memory database exists in this process only
    try:
        release = claim(store, worker_process)
    except StoreError:
        store.close()
        raise
    config = EngineConfig(spec=spec, correlation_window=correlation_window, tick_interval=tick_interval,
                          retention_days=retention_days, environ=dict(os.environ), intake_tokens=intake_tokens(spec),
                          trusted_proxies=trusted_proxies, auth_limits=auth_limits, notify_max_age=notify_max_age)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config, store, worker_process=worker_process)
    tune_interpreter()
    try:
        # the app itself reads X-Forwarded-* from its trusted proxies only (api/proxies.py)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)
    finally:
        app.state.engine.log.close()  # what is queued is written first
        store.close()
        release()


def claim(store: Store, worker_process: bool) -> Callable[[], None]:
    """What this serve may share of its database, claimed for its lifetime; returns the release.
    - SQLite: the whole of it (a second serve would run a second scheduler);
    - PostgreSQL: replicas (worker processes) share it and elect one leader among themselves;
      `--in-process` has no replica machinery, so it runs alone."""
    if store.dialect == "postgresql":
        return _claim_postgres(store, worker_process)
    if store.in_memory:
        return lambda: None
    return _claim_sqlite(store).close


def _claim_postgres(store: Store, worker_process: bool) -> Callable[[], None]:
    lock = SessionLock(libpq_url(store.engine.url), SOLO_KEY, shared=worker_process)
    if not lock.try_take():
        lock.release()
        if worker_process:
            raise StoreError(f"--db: a tenantwatch serve --in-process is serving {store.engine.url} alone: stop it "
                             "(replicas run without --in-process)")
        raise StoreError(f"--db: tenantwatch serve replicas are serving {store.engine.url}; --in-process runs "
                         "alone: drop --in-process to join them as a replica")
    return lock.release


def _claim_sqlite(store: Store) -> IO[bytes]:
    """Hold `<database>.serve.lock` for as long as this process serves a SQLite database: a
    second `serve` on it would run a second scheduler (messages sent twice), so it is refused.
    The operating system drops the lock when the process ends, even by kill -9."""
    path = Path(f"{store.engine.url.database}.serve.lock")
    handle = path.open("a+b")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().decode(errors="replace").strip() or "?"
        handle.close()
        raise StoreError(f"--db: another tenantwatch serve (pid {holder}) is serving {store.engine.url}; SQLite "
                         "serves one engine at a time: stop that one, or use PostgreSQL") from None
    handle.truncate(0)
    handle.write(str(os.getpid()).encode())
    handle.flush()
    return handle
