"""The iletiMerkezi client: `Client` (blocking) and `AsyncClient` (asyncio) over one shared core.

    import ileti

    # credentials from ILETI_API_KEY / ILETI_API_HASH
    with ileti.Client(sender="MYBRAND") as client:
        order = client.send_sms("+905301234567", "Your code is 1234")

See docs/client.md for errors, retries and helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ileti.client import errors
from ileti.client._async import AsyncClient
from ileti.client._base import format_schedule
from ileti.client._config import DEFAULT_BASE_URL, Limits, RetryPolicy, Timeout
from ileti.client._sync import Client
from ileti.client._transport import (
    AsyncHTTPTransport,
    AsyncTransport,
    HTTPTransport,
    RawRequest,
    RawResponse,
    SyncTransport,
)
from ileti.client.errors import *  # noqa: F403 - the error tree is part of this package's surface
from ileti.client.models import (
    Balance,
    Blacklist,
    Consent,
    ConsentRecord,
    Contact,
    CustomField,
    Group,
    Message,
    OrderReport,
    OrderSummary,
    ReportMessage,
    ReportsPage,
    SentOrder,
)
from ileti.text import SmsText
from ileti.text import analyze as preview
from ileti.wire.webhook import WebhookError, WebhookReport, parse_webhook

if TYPE_CHECKING:
    from ileti.client._adapters import AiohttpTransport, Urllib3Transport

__all__ = [
    "DEFAULT_BASE_URL",
    "AiohttpTransport",
    "AsyncClient",
    "AsyncHTTPTransport",
    "AsyncTransport",
    "Balance",
    "Blacklist",
    "Client",
    "Consent",
    "ConsentRecord",
    "Contact",
    "CustomField",
    "Group",
    "HTTPTransport",
    "Limits",
    "Message",
    "OrderReport",
    "OrderSummary",
    "RawRequest",
    "RawResponse",
    "ReportMessage",
    "ReportsPage",
    "RetryPolicy",
    "SentOrder",
    "SmsText",
    "SyncTransport",
    "Timeout",
    "Urllib3Transport",
    "WebhookError",
    "WebhookReport",
    "format_schedule",
    "parse_webhook",
    "preview",
    *errors.__all__,
]


def __getattr__(name: str) -> Any:
    # the urllib3 and aiohttp transports are imported on first use: aiohttp alone costs more import time than
    # the rest of the package, and most programs never need a proxy
    if name in ("AiohttpTransport", "Urllib3Transport"):
        from ileti.client import _adapters

        return getattr(_adapters, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
