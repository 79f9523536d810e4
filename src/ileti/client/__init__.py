"""The iletiMerkezi client: `Client` (blocking) and `AsyncClient` (asyncio) over one shared core.

    import ileti

    # credentials from ILETI_API_KEY / ILETI_API_HASH
    with ileti.Client(sender="MYBRAND") as client:
        order = client.send_sms("+905301234567", "Your code is 1234")

See docs/client.md for errors, retries and helpers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ileti.client import errors
from ileti.client._async import AsyncClient
from ileti.client._base import format_schedule
from ileti.client._config import DEFAULT_BASE_URL, Limits, RetryPolicy, Timeout
from ileti.client._sync import Client
from ileti.client._transport import AsyncTransport, RawRequest, RawResponse, SyncTransport
from ileti.client._urllib3 import HTTPTransport
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

# A library stays quiet unless the application configures logging: without a handler of its own, a retry's
# warning would reach stderr through logging's last-resort handler. (The sandbox's loggers, `ileti.sandbox`,
# belong to a server process and keep the default.)
logging.getLogger("ileti.client").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from ileti.client._aiohttp import AsyncHTTPTransport

__all__ = [
    "DEFAULT_BASE_URL",
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
    "WebhookError",
    "WebhookReport",
    "format_schedule",
    "parse_webhook",
    "preview",
    *errors.__all__,
]


def __getattr__(name: str) -> Any:
    # the aiohttp transport is imported on first use: aiohttp alone costs more import time than the rest of
    # the package, and a program using the blocking client never needs it
    if name == "AsyncHTTPTransport":
        from ileti.client._aiohttp import AsyncHTTPTransport

        return AsyncHTTPTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
