"""Every exception the client raises.

The tree is split by what the caller can do about it: a transport failure (try again later, maybe
automatically) or a status code the API answered (fix the request, the account or the data)::

    IletiError                          .endpoint, .response (RawResponse or None)
    ├── TransportError                  .may_have_reached_server
    │   ├── ConnectError                no connection could be opened (never reached the server)
    │   ├── ConnectionLostError         the connection dropped before a complete response arrived
    │   ├── InvalidResponseError        non-JSON, truncated or malformed body / HTTP framing
    │   └── RequestTimeoutError
    │       ├── ConnectTimeoutError     (never reached the server)
    │       ├── PoolTimeoutError        no pooled connection became free (never reached the server)
    │       ├── WriteTimeoutError
    │       └── ReadTimeoutError
    ├── WaitTimeoutError                wait() gave up before the order reached a final status
    └── ApiStatusError                  .code, .message (Turkish), .meaning, .hint, .local
        ├── AuthenticationError         401
        ├── BalanceError                402
        ├── InvalidRequestError         400, 404, 422
        ├── SenderError                 450, 459, 460
        ├── OrderError                  451, 453, 454, 455, 456, 457, 458, 467
        ├── RecipientsError             452
        ├── ContactsError               461, 462, 463, 464, 465, 471, 472, 473
        ├── BlacklistError              466, 474
        ├── IysError                    403, 405, 468, 469, 470, 475
        └── ServerError                 503

Each leaf class is named by meaning and carries its `code` as a class attribute; `error_class(code)`
finds it. Local validation raises the class the server would have answered with, with `response=None` and
`local=True`. Codes the contract does not know raise a plain `ApiStatusError`.
"""

from __future__ import annotations

from ileti import codes
from ileti.client._models import RawResponse

__all__ = [
    "ApiStatusError",
    "AuthenticationError",
    "BadRequestError",
    "BalanceError",
    "BlacklistError",
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
    "MethodNotFoundError",
    "NoIysSubscriptionError",
    "NotBlacklistedError",
    "OrderError",
    "OrderNotFoundError",
    "OrderTooLargeError",
    "PoolTimeoutError",
    "RawResponse",
    "ReadTimeoutError",
    "RecipientsError",
    "RequestTimeoutError",
    "ScheduleNotReachedError",
    "SearchTermTooShortError",
    "SenderEmptyError",
    "SenderError",
    "SenderInvalidError",
    "SenderNotApprovedError",
    "ServerError",
    "ServiceUnavailableError",
    "TransportError",
    "UnauthorizedError",
    "ValidationFailedError",
    "WaitTimeoutError",
    "WriteTimeoutError",
    "error_class",
]


class IletiError(Exception):
    """Base class of everything the client raises."""

    def __init__(self, message: str, *, endpoint: str | None = None, response: RawResponse | None = None):
        super().__init__(message)
        self.endpoint = endpoint
        self.response = response


# --- transport ------------------------------------------------------------------------------------------


class TransportError(IletiError):
    """The exchange failed below the API: no usable response came back.

    `may_have_reached_server` says whether the server could have acted on the request; `send-sms` is only
    retried automatically when it is False.
    """

    may_have_reached_server: bool = True

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        response: RawResponse | None = None,
        may_have_reached_server: bool | None = None,
    ):
        super().__init__(message, endpoint=endpoint, response=response)
        if may_have_reached_server is not None:
            self.may_have_reached_server = may_have_reached_server


class ConnectError(TransportError):
    """No connection could be opened (refused, unreachable, DNS, TLS handshake)."""

    may_have_reached_server = False


class ConnectionLostError(TransportError):
    """The connection broke while sending the request or before a complete response arrived."""


class InvalidResponseError(TransportError):
    """The server answered something that is not a complete API envelope: an HTML error page, a truncated
    body, broken HTTP framing. The raw response (when there is one) is on `.response`."""


class RequestTimeoutError(TransportError):
    """A timeout expired; the subclass says in which phase."""


class ConnectTimeoutError(RequestTimeoutError):
    may_have_reached_server = False


class PoolTimeoutError(RequestTimeoutError):
    may_have_reached_server = False


class WriteTimeoutError(RequestTimeoutError):
    pass


class ReadTimeoutError(RequestTimeoutError):
    pass


class WaitTimeoutError(IletiError):
    """`wait()` gave up: the order had not reached a final status (114 or 115) within the timeout.

    `last_report` is the last report seen (None while the order was still scheduled, 456)."""

    def __init__(self, order_id: int | str, timeout: float, last_report: object | None) -> None:
        status = getattr(last_report, "status", None)
        state = f"last status {int(status)}" if status is not None else "not reportable yet (scheduled)"
        super().__init__(
            f"order {order_id} did not finish within {timeout:g} s ({state})", endpoint="get-report"
        )
        self.order_id = order_id
        self.timeout = timeout
        self.last_report = last_report


# --- API status codes -----------------------------------------------------------------------------------


class ApiStatusError(IletiError):
    """The API answered with a status code other than 200.

    `message` is the server's Turkish text (or the table's, for local refusals), `meaning` the English one,
    `hint` what usually fixes it. Branch on the class or on `code`, never on `message`.
    """

    code: int = 0

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        endpoint: str | None = None,
        response: RawResponse | None = None,
        local: bool = False,
        detail: str | None = None,
    ):
        number = code if code is not None else type(self).code
        entry = codes.info(number)
        self.code = number
        self.message = message if message is not None else (entry.message if entry else "")
        self.meaning = entry.meaning if entry else "Unknown status code"
        self.hint = entry.hint if entry else None
        self.local = local
        self.detail = detail
        super().__init__(self._render(), endpoint=endpoint, response=response)

    def _render(self) -> str:
        parts = [f"{self.code} {self.meaning}"]
        if self.message:
            parts[0] += f" ({self.message})"
        if self.detail:
            parts.append(self.detail)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        if self.local:
            parts.append("refused locally, nothing was sent")
        return ". ".join(part.rstrip(".") for part in parts) + "."

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code}, message={self.message!r}, "
            f"endpoint={self.endpoint!r}, local={self.local})"
        )

    @property
    def body(self) -> str | None:
        """The raw response body, decoded as text (None for local refusals)."""
        return self.response.text if self.response is not None else None


class AuthenticationError(ApiStatusError):
    """The credentials, the 'Allow API access' toggle or the IP allowlist refused the call."""


class BalanceError(ApiStatusError):
    """The account cannot pay for the order."""


class InvalidRequestError(ApiStatusError):
    """The request itself was malformed: unparseable, sent to a wrong path, or failed validation."""


class SenderError(ApiStatusError):
    """The sender ID (header) is missing, malformed or not approved."""


class OrderError(ApiStatusError):
    """The order cannot be created, found or reported as asked."""


class RecipientsError(ApiStatusError):
    """The recipients are missing or invalid."""


class ContactsError(ApiStatusError):
    """A contacts or groups call was refused."""


class BlacklistError(ApiStatusError):
    """A blacklist call was refused."""


class IysError(ApiStatusError):
    """İYS (commercial consent) configuration, subscription or batch problems."""


class ServerError(ApiStatusError):
    """The service is temporarily unavailable."""


class BadRequestError(InvalidRequestError):
    code = 400


class UnauthorizedError(AuthenticationError):
    code = 401


class InsufficientBalanceError(BalanceError):
    code = 402


class NoIysSubscriptionError(IysError):
    code = 403


class MethodNotFoundError(InvalidRequestError):
    code = 404


class IysQuotaExceededError(IysError):
    code = 405


class ValidationFailedError(InvalidRequestError):
    code = 422


class SenderNotApprovedError(SenderError):
    code = 450


class DuplicateOrderError(OrderError):
    """451: the same text to the same recipients within 10 minutes.

    `after_retry` is True when the client itself re-sent the order (the caller opted in to send-sms
    retries): the earlier attempt then most likely created the order.
    """

    code = 451
    after_retry: bool = False


class InvalidRecipientsError(RecipientsError):
    code = 452


class OrderTooLargeError(OrderError):
    code = 453


class EmptyTextError(OrderError):
    code = 454


class OrderNotFoundError(OrderError):
    code = 455


class ScheduleNotReachedError(OrderError):
    code = 456


class InvalidSendDateError(OrderError):
    code = 457


class InvalidDateRangeError(OrderError):
    code = 458


class SenderEmptyError(SenderError):
    code = 459


class SenderInvalidError(SenderError):
    code = 460


class GroupNameRequiredError(ContactsError):
    code = 461


class GroupIdRequiredError(ContactsError):
    code = 462


class GroupNotFoundError(ContactsError):
    code = 463


class InvalidPageError(ContactsError):
    code = 464


class ContactNotFoundError(ContactsError):
    code = 465


class InvalidNumberError(BlacklistError):
    code = 466


class DocumentsMissingError(OrderError):
    code = 467


class IysFlagRequiredError(IysError):
    code = 468


class IysListRequiredError(IysError):
    code = 469


class IysCodeMissingError(IysError):
    code = 470


class SearchTermTooShortError(ContactsError):
    code = 471


class ContactFieldsRequiredError(ContactsError):
    code = 472


class CustomFieldNotFoundError(ContactsError):
    code = 473


class NotBlacklistedError(BlacklistError):
    code = 474


class IysBatchTooLargeError(IysError):
    code = 475


class ServiceUnavailableError(ServerError):
    code = 503


def _leaves(cls: type[ApiStatusError]) -> list[type[ApiStatusError]]:
    found: list[type[ApiStatusError]] = []
    for sub in cls.__subclasses__():
        if "code" in sub.__dict__:
            found.append(sub)
        found.extend(_leaves(sub))
    return found


_BY_CODE: dict[int, type[ApiStatusError]] = {cls.code: cls for cls in _leaves(ApiStatusError)}


def error_class(code: int) -> type[ApiStatusError]:
    """The exception class for a status code (plain `ApiStatusError` for codes the contract does not list)."""
    return _BY_CODE.get(code, ApiStatusError)
