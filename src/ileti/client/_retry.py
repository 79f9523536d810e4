"""When the client tries a call again, and after how long. The one place retry rules live.

The API has no idempotency key, so the rule depends on whether the failed attempt could have acted:

* an attempt that cannot have reached the server (connect error, connect or pool timeout) and an API 503
  (the server said it did not process the request) are retried on every endpoint;
* a failure after the request may have arrived (read timeout, dropped connection, truncated or non-JSON
  body, gateway 502/504) is retried only on read-only endpoints, or on send-sms when the caller opted in;
* every other status code is final.

Delays are capped exponential backoff; the random part is `Retrier.random`, so tests can pin it. `Attempts`
keeps one call's bookkeeping for the sync and async loops alike: it remembers an attempt that may have been
sent, so a 451 answering the re-send is explained (`explain_duplicate`) rather than reported bare.
"""

from __future__ import annotations

import logging
import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ileti.client._config import RetryPolicy
from ileti.client.errors import (
    ApiStatusError,
    DuplicateOrderError,
    IletiError,
    InvalidResponseError,
    ServiceUnavailableError,
    TransportError,
)

if TYPE_CHECKING:
    from ileti.client._base import Call

__all__ = ["Attempts", "Retrier", "explain_duplicate", "maybe_sent"]

log = logging.getLogger("ileti.client")

# A gateway's 503 page (HTML, not an envelope) means no upstream took the request; its 502/504 pages mean
# the request may have reached the API, so they count as "maybe sent".
_GATEWAY_NOT_PROCESSED = frozenset({503})


@dataclass(frozen=True, slots=True)
class Retrier:
    """Decides, after a failed attempt, whether to try again (`delay` returns seconds) or stop (None)."""

    policy: RetryPolicy
    random: Callable[[], float] = field(default=_random.random)

    def delay(
        self, attempt: int, error: IletiError, *, read_only: bool, retry_if_maybe_sent: bool
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when `error` is final."""
        if attempt >= self.policy.max_attempts:
            return None
        if not self.retryable(error, read_only=read_only, retry_if_maybe_sent=retry_if_maybe_sent):
            return None
        hinted = self._retry_after(error)
        if hinted is not None:
            return hinted
        return self.backoff(attempt)

    def retryable(self, error: IletiError, *, read_only: bool, retry_if_maybe_sent: bool) -> bool:
        if isinstance(error, ServiceUnavailableError):
            return True
        if isinstance(error, ApiStatusError):
            return False
        if isinstance(error, InvalidResponseError) and error.response is not None:
            status = error.response.status
            if status in _GATEWAY_NOT_PROCESSED:
                return True
        if isinstance(error, TransportError):
            if not error.may_have_reached_server:
                return True
            return read_only or retry_if_maybe_sent
        return False

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff for the wait after attempt `attempt` (1-based), with jitter."""
        policy = self.policy
        base = min(policy.backoff_max, policy.backoff_initial * (2 ** (attempt - 1)))
        return float(base * (1.0 - policy.jitter * self.random()))

    def _retry_after(self, error: IletiError) -> float | None:
        response = error.response
        if response is None or response.status != 503:
            return None
        value = response.headers.get("retry-after", "").strip()
        if not value.isdigit():
            return None
        return min(float(value), self.policy.backoff_max)


def maybe_sent(error: IletiError) -> bool:
    """Whether a failed attempt could have been acted on by the server (so a re-send may duplicate it)."""
    if isinstance(error, ServiceUnavailableError):
        return False
    if isinstance(error, InvalidResponseError) and error.response is not None:
        return error.response.status not in _GATEWAY_NOT_PROCESSED
    if isinstance(error, TransportError):
        return error.may_have_reached_server
    return True


def explain_duplicate(error: DuplicateOrderError, earlier: IletiError) -> DuplicateOrderError:
    """A 451 answering a retry the client made: the earlier attempt most likely created the order."""
    explained = DuplicateOrderError(
        error.message,
        endpoint=error.endpoint,
        response=error.response,
        detail=(
            f"the client re-sent this order after the earlier attempt failed ({type(earlier).__name__}: "
            f"{earlier}); that attempt most likely created the order. Check get-reports or the "
            "delivery reports before sending again"
        ),
    )
    explained.after_retry = True
    return explained


class Attempts:
    """The retry bookkeeping of one call, shared by the sync and async loops.

    `failed(attempt, error)` returns the seconds to wait before the next attempt, or raises the error that
    ends the call: the error itself, or a `DuplicateOrderError` explaining that an earlier attempt of this
    send-sms most likely created the order.
    """

    __slots__ = ("_call", "_maybe_sent", "_retrier")

    def __init__(self, retrier: Retrier, call: Call[Any]) -> None:
        self._retrier = retrier
        self._call = call
        self._maybe_sent: IletiError | None = None

    def failed(self, attempt: int, error: IletiError) -> float:
        call = self._call
        name = call.endpoint.name
        if error.endpoint is None:
            error.endpoint = name
        if isinstance(error, DuplicateOrderError) and self._maybe_sent is not None:
            raise explain_duplicate(error, self._maybe_sent) from error
        delay = self._retrier.delay(
            attempt, error, read_only=call.read_only, retry_if_maybe_sent=call.retry_if_maybe_sent
        )
        if delay is None:
            raise error
        if maybe_sent(error):
            self._maybe_sent = error
        log.warning(
            "%s attempt %d failed (%s: %s); retrying in %.2f s",
            name,
            attempt,
            type(error).__name__,
            error,
            delay,
        )
        return delay
