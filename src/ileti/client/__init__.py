"""The iletiMerkezi client: `Client` (blocking) and `AsyncClient` (asyncio) over one shared core.

    import ileti

    # credentials from ILETI_API_KEY / ILETI_API_HASH
    with ileti.Client(sender="MYBRAND") as client:
        order = client.send_sms("+905301234567", "Your code is 1234")

See docs/client.md for errors, retries and helpers.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ileti.client import errors
from ileti.client._config import DEFAULT_BASE_URL, Limits, RetryPolicy, Timeout
from ileti.client.errors import *  # noqa: F403 - the error tree is part of this package's surface
from ileti.client.errors import RawResponse
from ileti.text import SmsText
from ileti.text import analyze as preview

# A library stays quiet unless the application configures logging: without a handler of its own, a retry's
# warning would reach stderr through logging's last-resort handler. (The sandbox's loggers, `ileti.sandbox`,
# belong to a server process and keep the default.)
logging.getLogger("ileti.client").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from ileti.client._aiohttp import AsyncHTTPTransport
    from ileti.client._async import AsyncClient
    from ileti.client._base import format_schedule
    from ileti.client._models import RawRequest
    from ileti.client._sync import Client
    from ileti.client._transport import AsyncTransport, SyncTransport
    from ileti.client._urllib3 import HTTPTransport
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
    from ileti.wire.webhook import WebhookError, WebhookReport, parse_webhook

# The clients, their transports and models are imported on first use (`__getattr__`): `ileti serve` imports
# this package for its errors and constants only, and every module it does not import is start-up time saved
# (docs/benchmarks.md). aiohttp above all costs more import time than the rest of the package, and a program
# using the blocking client never needs it.
_LAZY = {
    "AsyncHTTPTransport": "ileti.client._aiohttp",
    "AsyncClient": "ileti.client._async",
    "format_schedule": "ileti.client._base",
    "Client": "ileti.client._sync",
    "AsyncTransport": "ileti.client._transport",
    "RawRequest": "ileti.client._models",
    "SyncTransport": "ileti.client._transport",
    "HTTPTransport": "ileti.client._urllib3",
    **dict.fromkeys(
        [
            "Balance",
            "Blacklist",
            "Consent",
            "ConsentRecord",
            "Contact",
            "CustomField",
            "Group",
            "Message",
            "OrderReport",
            "OrderSummary",
            "ReportMessage",
            "ReportsPage",
            "SentOrder",
        ],
        "ileti.client.models",
    ),
    **dict.fromkeys(["WebhookError", "WebhookReport", "parse_webhook"], "ileti.wire.webhook"),
}

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
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
