"""The retry rules: what is retried on which endpoint, and how long the client waits."""

from __future__ import annotations

import pytest

from ileti.client import errors as e
from ileti.client._config import RetryPolicy
from ileti.client._retry import Retrier, maybe_sent

POLICY = RetryPolicy(max_attempts=4, backoff_initial=0.5, backoff_max=3.0, jitter=0.5)


def retrier(random_value: float = 0.0) -> Retrier:
    return Retrier(POLICY, random=lambda: random_value)


NOT_SENT = [
    e.ConnectError("x"),
    e.ConnectTimeoutError("x"),
    e.PoolTimeoutError("x"),
    e.ServiceUnavailableError(),
]
MAYBE_SENT = [
    e.ReadTimeoutError("x"),
    e.WriteTimeoutError("x"),
    e.ConnectionLostError("x"),
    e.InvalidResponseError("x", response=e.RawResponse(200, {}, b"<html>")),
    e.InvalidResponseError("x", response=e.RawResponse(502, {}, b"<html>")),
]


@pytest.mark.parametrize("error", NOT_SENT, ids=lambda x: type(x).__name__)
def test_failures_that_never_reached_the_server_are_retried_everywhere(error: e.IletiError) -> None:
    assert retrier().delay(1, error, read_only=False, retry_if_maybe_sent=False) is not None
    assert not maybe_sent(error)


@pytest.mark.parametrize("error", MAYBE_SENT, ids=lambda x: type(x).__name__)
def test_maybe_sent_failures_are_retried_only_for_reads_or_opt_in(error: e.IletiError) -> None:
    r = retrier()
    assert r.delay(1, error, read_only=True, retry_if_maybe_sent=True) is not None
    assert r.delay(1, error, read_only=False, retry_if_maybe_sent=False) is None
    assert r.delay(1, error, read_only=False, retry_if_maybe_sent=True) is not None
    assert maybe_sent(error)


def test_gateway_503_page_is_not_processed() -> None:
    error = e.InvalidResponseError("x", response=e.RawResponse(503, {}, b"<html>busy</html>"))
    assert retrier().delay(1, error, read_only=False, retry_if_maybe_sent=False) is not None
    assert not maybe_sent(error)


@pytest.mark.parametrize("code", [400, 401, 402, 450, 451, 452, 455, 466])
def test_status_codes_other_than_503_are_final(code: int) -> None:
    assert retrier().delay(1, e.error_class(code)(), read_only=True, retry_if_maybe_sent=True) is None


def test_attempts_are_capped() -> None:
    r = retrier()
    assert r.delay(3, e.ConnectError("x"), read_only=True, retry_if_maybe_sent=True) is not None
    assert r.delay(4, e.ConnectError("x"), read_only=True, retry_if_maybe_sent=True) is None


def test_backoff_is_exponential_capped_and_jittered_downwards() -> None:
    assert [retrier(0.0).backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert retrier(1.0).backoff(1) == 0.25  # jitter takes off at most half


def test_retry_after_header_of_a_503_is_honoured_up_to_the_cap() -> None:
    raw = e.RawResponse(503, {"retry-after": "2"}, b"")
    assert (
        retrier().delay(1, e.ServiceUnavailableError(response=raw), read_only=True, retry_if_maybe_sent=True)
        == 2
    )
    raw = e.RawResponse(503, {"retry-after": "60"}, b"")
    assert (
        retrier().delay(1, e.ServiceUnavailableError(response=raw), read_only=True, retry_if_maybe_sent=True)
        == 3
    )
