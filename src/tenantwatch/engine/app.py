"""create_app(): the engine as a FastAPI app, with its store, clock and remediator injected.

App state, for routes and for the web dashboard (tenantwatch.web, included when importable):

- `app.state.store`      the Store (`store.read()` / `store.write()` give SQLAlchemy sessions)
- `app.state.spec`       the frozen Spec; `app.state.config` the EngineConfig around it
- `app.state.verify_key` `(token) -> Principal | None`; Principal has kind (tenant|admin|intake),
                         name and tenant
- `app.state.events`     the Broadcaster: `async with app.state.events.subscribe() as q`
                         yields {"type": "incident", "id", "tenant", "status", "kind"} dicts,
                         and {"type": "key", "id"} when a key is revoked
- `app.state.engine`     the EngineService (intake, incidents, acknowledge, resolve)
- `app.state.auth_limiter` the FailedAuthLimiter that API keys and the dashboard's login share
- `app.state.scheduler`, `app.state.metrics`, `app.state.clock`
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from functools import partial
from typing import AsyncIterator

from fastapi import FastAPI

from tenantwatch import __version__, conventions
from tenantwatch.engine.api import errors, security
from tenantwatch.engine.api.routes import alertmanager, audit, health, incidents, keys
from tenantwatch.engine.api.timing import RequestTimer
from tenantwatch.engine.auth import verify_key
from tenantwatch.engine.background.link import WorkerLink
from tenantwatch.engine.background.wiring import intake_processor
from tenantwatch.engine.cluster.channels import libpq_url
from tenantwatch.engine.cluster.notifier import Notifier
from tenantwatch.engine.cluster.views import ClusterBroadcaster, ReplicaViews
from tenantwatch.engine.clock import Clock, SystemClock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.escalation.scheduler import Scheduler
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.processor import stored_position
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.remediation import Remediator, default_remediator
from tenantwatch.engine.store import Store
from tenantwatch.engine.usecases import EngineService


def _include_web(app: FastAPI) -> None:
    """The dashboard (and the API docs page) is optional: installed when tenantwatch.web is there."""
    try:
        web = importlib.import_module("tenantwatch.web")
    except ImportError:
        return
    install = getattr(web, "install", None)
    if install is not None:
        install(app)


def create_app(config: EngineConfig, store: Store, *, clock: Clock | None = None,
               remediator: Remediator | None = None, run_scheduler: bool = True,
               worker_process: bool = False) -> FastAPI:
    """The engine app. With run_scheduler=False (tests) nothing runs in the background: the
    webhook processes its alerts before answering and the caller drives
    `app.state.scheduler.tick()` itself. With worker_process=True (`tenantwatch serve`) the
    intake processor and the scheduler run in a worker process of their own (background/), not
    as threads of this one; `app.state.scheduler` is then not the one that runs. A worker on
    PostgreSQL makes this process a replica (cluster/): others may serve the same database."""
    clock = clock or SystemClock()
    metrics = EngineMetrics(store, clock)
    replicated = worker_process and store.dialect == "postgresql"
    notifier = Notifier(libpq_url(store.engine.url)) if replicated else None
    events = ClusterBroadcaster(notifier) if notifier else Broadcaster()
    remediator = remediator or default_remediator(config.spec, clock, config.environ, store)
    scheduler = Scheduler(store, config, clock, metrics, events, remediator)
    intake_log = IntakeLog.for_store(store.engine)
    link = WorkerLink(intake_log, store, config, events, metrics, relay_intake=not replicated) if worker_process else None
    views = (ReplicaViews(libpq_url(store.engine.url), notifier, intake_log, link, events, partial(stored_position, store))
             if link and notifier and isinstance(events, ClusterBroadcaster) else None)
    processor = link or intake_processor(intake_log, store, config, clock, metrics, events, scheduler.wake)
    engine = EngineService(store, config, clock, metrics, events, intake_log, processor,
                           views.wake if views else link.wake if link else scheduler.wake)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if link is not None:
            if views is not None:
                await asyncio.to_thread(views.start)  # before the worker: no append goes unheard
            link.start()  # the worker replays what a crash left in the intake log first
            try:
                yield
            finally:
                await asyncio.to_thread(link.stop)  # it processes what was accepted before the stop
                if views is not None and notifier is not None:
                    views.stop()
                    notifier.close()
            return
        if run_scheduler:
            processor.start()  # replays what a crash left in the intake log first
            metrics.leader.set(1)
        task = asyncio.create_task(scheduler.run()) if run_scheduler else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                processor.stop()  # processes what was accepted before the stop

    app = FastAPI(title="tenantwatch engine", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Alertmanager intake, incidents, escalation and notifications, per tenant.")
    app.state.store, app.state.config, app.state.spec, app.state.clock = store, config, config.spec, clock
    app.state.metrics, app.state.events, app.state.scheduler = metrics, events, scheduler
    app.state.verify_key = partial(verify_key, store, extra_intake=config.intake_tokens)
    app.state.engine = engine
    errors.install(app)
    app.include_router(health.router)
    for module in (alertmanager, incidents, audit, keys):
        app.include_router(module.router, prefix=conventions.ENGINE_API_PREFIX)
    _include_web(app)
    app.add_middleware(RequestTimer, metrics=metrics)
    security.install(app, config)
    return app
