"""The app factory: `create_app(settings) -> Starlette`.

The lifespan opens the store (creating and migrating it), loads the clock, starts the carrier loop and the
webhook worker, and puts them on `app.state.services`; nothing lives in module globals, so several apps can
run in one process (the pytest plugin does). `prepare(settings)` does the store part alone for `ileti serve`,
which prints the demo account before the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware

from ileti.sandbox import seed as seeding
from ileti.sandbox.api.faults import Faults
from ileti.sandbox.api.journal import Journal
from ileti.sandbox.context import Services
from ileti.sandbox.control.access import ControlAccess, HostCheck
from ileti.sandbox.control.messages import prune_loop
from ileti.sandbox.errors import BugGuard
from ileti.sandbox.routes import build_routes
from ileti.sandbox.seed import Seed
from ileti.sandbox.settings import Settings
from ileti.sandbox.shared_state import SharedFaults, SharedState, is_shared
from ileti.sandbox.store.group_commit import GroupCommit
from ileti.sandbox.store.records import Account
from ileti.sandbox.store.sql import SqlStore, open_store
from ileti.sandbox.world.carrier import Carrier
from ileti.sandbox.world.clock import Clock
from ileti.sandbox.world.webhooks import WebhookWorker

__all__ = ["DemoAccount", "create_app", "load_seed", "open_services", "prepare"]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    account: Account
    secret: str


def _open(settings: Settings, *, serving: bool = False) -> SqlStore:
    return open_store(
        settings.db,
        synchronous=settings.sqlite_synchronous,
        background_checkpoints=serving,
    )


def load_seed(settings: Settings) -> Seed | None:
    """The seed file of the settings, checked (`SeedError` when it is invalid), or None."""
    return seeding.load(settings.seed) if settings.seed else None


def prepare(settings: Settings) -> DemoAccount | None:
    """Create or upgrade the store; on an empty one create the demo account and return it; apply the seed
    file (a `SeedError` before anything is written when it is invalid)."""
    seed = load_seed(settings)
    store = _open(settings)
    try:
        demo = seeding.start(store, Clock(store.clock_state()), settings.demo_account, seed)
    finally:
        store.close()
    return None if demo is None else DemoAccount(*demo)


def open_services(settings: Settings) -> Services:
    seed = load_seed(settings)
    shared = is_shared(settings)
    store = _open(settings, serving=True)
    store.accounts.shared = shared  # `SharedState` keeps its account cache in step with the other workers
    clock = Clock(store.clock_state())
    seeding.start(store, clock, settings.demo_account, seed)
    webhooks = WebhookWorker(
        store,
        timeout=settings.webhook_timeout,
        retries=settings.webhook_retries,
        backoff=settings.webhook_backoff,
        concurrency=settings.webhook_concurrency,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    carrier = Carrier(
        store,
        clock,
        settings.settle_delay,
        settings.carrier_tick,
        on_events=webhooks.wake,
        shared=shared,
    )
    faults = SharedFaults(store) if shared else Faults()
    webhooks.faults = faults  # the webhook push's own faults (`drop`, `duplicate`, `delay`)
    journal = Journal(store, clock, settings.journal_size, shared=shared) if settings.journal_size else None
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        carrier=carrier,
        webhooks=webhooks,
        faults=faults,
        order_writer=GroupCommit(store),
        shared=shared,
        journal=journal,
        seed=seed,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    """The sandbox as an ASGI app; serve it with any ASGI server (`ileti serve` uses uvicorn)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = open_services(settings)
        app.state.services = services
        tasks = [
            asyncio.create_task(services.carrier.run(), name="ileti-carrier"),
            asyncio.create_task(services.webhooks.run(), name="ileti-webhooks"),
        ]
        if settings.max_messages:
            tasks.append(
                asyncio.create_task(prune_loop(services.store, settings.max_messages), name="ileti-prune")
            )
        if services.journal is not None:
            tasks.append(asyncio.create_task(services.journal.run(), name="ileti-journal"))
        services.ready = True
        try:
            yield
        finally:
            services.ready = False
            watch = getattr(app.state, "message_watch", None)  # `wait` on /_sandbox/messages
            if watch is not None:
                watch.close()
            for task in tasks:
                task.cancel()
            try:
                await asyncio.wait(tasks)  # unlike awaiting each, this does not swallow our own cancellation
            finally:
                services.store.close()

    binds = {settings.port: settings.host}
    if settings.control_port:
        binds[settings.control_port] = settings.control_host
    middleware = [
        # first, so it refuses a rebinding page before anything else runs (/v1 included)
        Middleware(HostCheck, allowed_hosts=settings.allowed_hosts, binds=binds),
        Middleware(BugGuard),
    ]
    if is_shared(settings):
        middleware.append(Middleware(SharedState))
    control = [
        Middleware(ControlAccess, token=settings.control_token, port=settings.control_port),
        # the 404s and 405s of the routes it guards are answered inside it (with its cookie), as before
        Middleware(ExceptionMiddleware),
    ]
    return Starlette(routes=build_routes(control), middleware=middleware, lifespan=lifespan)
