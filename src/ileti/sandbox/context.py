"""What handlers receive: the app-wide services (`Services`, on `app.state.services`, read with `services_of`)
and the per-request `Context` (the services plus the authenticated account)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from ileti.sandbox.settings import Settings
from ileti.sandbox.store.records import Account
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.clock import Clock

if TYPE_CHECKING:
    from ileti.sandbox.api.faults import Faults
    from ileti.sandbox.api.journal import Journal
    from ileti.sandbox.seed import Seed
    from ileti.sandbox.store.group_commit import GroupCommit
    from ileti.sandbox.world.carrier import Carrier
    from ileti.sandbox.world.webhooks import WebhookWorker

__all__ = ["Context", "Services", "services_of"]


@dataclass(slots=True)
class Services:
    """Everything the lifespan opens; one instance per app, no module globals."""

    settings: Settings
    store: SqlStore
    clock: Clock
    carrier: Carrier
    webhooks: WebhookWorker
    faults: Faults
    order_writer: GroupCommit  # batches send-sms order writes into shared transactions
    shared: bool = False  # other processes use the store too (`shared_state.is_shared`)
    ready: bool = False
    journal: Journal | None = None  # the request journal (None when `journal_size` is 0)
    seed: Seed | None = None  # the seed file, applied at start and after each reset


def services_of(request: HTTPConnection) -> Services:
    """The services of the app serving `request` (the lifespan puts them on `app.state.services`)."""
    services: Services = request.app.state.services
    return services


@dataclass(slots=True)
class Context:
    """One API request after authentication."""

    services: Services
    account: Account

    @property
    def store(self) -> SqlStore:
        return self.services.store

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def clock(self) -> Clock:
        return self.services.clock
