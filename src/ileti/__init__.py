"""ileti: the iletiMerkezi SMS API as a local sandbox, a typed client, and tools."""

from typing import TYPE_CHECKING, Any

from ileti.client._config import Limits, RetryPolicy, Timeout
from ileti.client.errors import (
    ApiStatusError,
    AuthenticationError,
    BadRequestError,
    BalanceError,
    BlacklistError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    ContactFieldsRequiredError,
    ContactNotFoundError,
    ContactsError,
    CustomFieldNotFoundError,
    DocumentsMissingError,
    DuplicateOrderError,
    EmptyTextError,
    GroupIdRequiredError,
    GroupNameRequiredError,
    GroupNotFoundError,
    IletiError,
    InsufficientBalanceError,
    InvalidDateRangeError,
    InvalidNumberError,
    InvalidPageError,
    InvalidRecipientsError,
    InvalidRequestError,
    InvalidResponseError,
    InvalidSendDateError,
    IysBatchTooLargeError,
    IysCodeMissingError,
    IysError,
    IysFlagRequiredError,
    IysListRequiredError,
    IysQuotaExceededError,
    MethodNotFoundError,
    NoIysSubscriptionError,
    NotBlacklistedError,
    OrderError,
    OrderNotFoundError,
    OrderTooLargeError,
    PoolTimeoutError,
    RawResponse,
    ReadTimeoutError,
    RecipientsError,
    RequestTimeoutError,
    ScheduleNotReachedError,
    SearchTermTooShortError,
    SenderEmptyError,
    SenderError,
    SenderInvalidError,
    SenderNotApprovedError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    UnauthorizedError,
    ValidationFailedError,
    WaitTimeoutError,
    WriteTimeoutError,
)
from ileti.codes import Code, Family, MessageStatus, OrderStatus
from ileti.text import SmsText
from ileti.text import analyze as preview

if TYPE_CHECKING:
    from ileti.client import (
        AsyncClient,
        Client,
        Message,
        WebhookError,
        WebhookReport,
        format_schedule,
        parse_webhook,
    )

__version__ = "0.1.0"

__all__ = [
    "ApiStatusError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "BalanceError",
    "BlacklistError",
    "Client",
    "Code",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "ContactFieldsRequiredError",
    "ContactNotFoundError",
    "ContactsError",
    "CustomFieldNotFoundError",
    "DocumentsMissingError",
    "DuplicateOrderError",
    "EmptyTextError",
    "Family",
    "GroupIdRequiredError",
    "GroupNameRequiredError",
    "GroupNotFoundError",
    "IletiError",
    "InsufficientBalanceError",
    "InvalidDateRangeError",
    "InvalidNumberError",
    "InvalidPageError",
    "InvalidRecipientsError",
    "InvalidRequestError",
    "InvalidResponseError",
    "InvalidSendDateError",
    "IysBatchTooLargeError",
    "IysCodeMissingError",
    "IysError",
    "IysFlagRequiredError",
    "IysListRequiredError",
    "IysQuotaExceededError",
    "Limits",
    "Message",
    "MessageStatus",
    "MethodNotFoundError",
    "NoIysSubscriptionError",
    "NotBlacklistedError",
    "OrderError",
    "OrderNotFoundError",
    "OrderStatus",
    "OrderTooLargeError",
    "PoolTimeoutError",
    "RawResponse",
    "ReadTimeoutError",
    "RecipientsError",
    "RequestTimeoutError",
    "RetryPolicy",
    "ScheduleNotReachedError",
    "SearchTermTooShortError",
    "SenderEmptyError",
    "SenderError",
    "SenderInvalidError",
    "SenderNotApprovedError",
    "ServerError",
    "ServiceUnavailableError",
    "SmsText",
    "Timeout",
    "TransportError",
    "UnauthorizedError",
    "ValidationFailedError",
    "WaitTimeoutError",
    "WebhookError",
    "WebhookReport",
    "WriteTimeoutError",
    "__version__",
    "format_schedule",
    "parse_webhook",
    "preview",
]


_FROM_CLIENT = frozenset(
    {"AsyncClient", "Client", "Message", "WebhookError", "WebhookReport", "format_schedule", "parse_webhook"}
)


def __getattr__(name: str) -> Any:
    # the clients are imported on first use, like in `ileti.client`: `ileti serve` never needs them
    if name not in _FROM_CLIENT:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ileti import client

    value = getattr(client, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _FROM_CLIENT)
