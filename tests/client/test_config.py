"""Configuration values and `ILETI_*` environment reading."""

from __future__ import annotations

import pytest

from ileti.client._config import (
    DEFAULT_BASE_URL,
    Credentials,
    Limits,
    RetryPolicy,
    Timeout,
    resolve_base_url,
    resolve_credentials,
)


def test_timeout_forms() -> None:
    assert Timeout(10.0) == Timeout(connect=10.0, read=10.0, write=10.0, pool=10.0)
    t = Timeout(5.0, read=30.0)
    assert (t.connect, t.read, t.write, t.pool) == (5.0, 30.0, 5.0, 5.0)
    assert Timeout(5.0, read=None).read is None


def test_limits_and_retry_policy_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Limits(max_connections=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)


@pytest.mark.parametrize(
    ("base_url", "sandbox", "env", "expected"),
    [
        (None, False, {}, DEFAULT_BASE_URL),
        (None, False, {"ILETI_BASE_URL": "http://sb:8080/"}, "http://sb:8080"),
        ("http://x:1", False, {"ILETI_BASE_URL": "http://sb:8080"}, "http://x:1"),
        (None, True, {}, "http://127.0.0.1:8080"),
        (None, "http://127.0.0.1:9999", {}, "http://127.0.0.1:9999"),
    ],
    ids=["live-default", "env", "argument-wins", "sandbox-default", "sandbox-url"],
)
def test_base_url_resolution(
    base_url: str | None, sandbox: bool | str, env: dict[str, str], expected: str
) -> None:
    assert resolve_base_url(base_url, sandbox, env) == expected


def test_credentials_from_arguments_or_environment() -> None:
    assert resolve_credentials("k", "h", {}) == Credentials("k", "h")
    assert resolve_credentials(None, None, {"ILETI_API_KEY": "k2", "ILETI_API_HASH": "h2"}) == Credentials(
        "k2", "h2"
    )
    with pytest.raises(ValueError, match="ILETI_API_KEY"):
        resolve_credentials(None, None, {})


def test_credentials_repr_hides_the_hash() -> None:
    assert "secret" not in repr(Credentials("k", "secret"))
