"""Fixtures for client tests: a scripted fake API, and a `client` fixture that runs a test on both clients."""

from __future__ import annotations

import gc
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

import ileti

from .fakeapi import FakeApi

KEY = "507caf2e1fcdb5eea9786332ca2d8785"
HASH = "0db4e316db72c519ba08121985f6ddf479809053d555c"
FAST_RETRY = ileti.RetryPolicy(max_attempts=3, backoff_initial=0.001, backoff_max=0.01)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ILETI_BASE_URL", "ILETI_API_KEY", "ILETI_API_HASH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    yield api
    api.close()


class SyncAsAsync:
    """A `Client` with the `AsyncClient` calling convention, so one async test body drives both."""

    def __init__(self, client: ileti.Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        if name.startswith("iter_"):

            def iterate(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                async def gen() -> AsyncIterator[Any]:
                    for item in method(*args, **kwargs):
                        yield item

                return gen()

            return iterate

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call

    async def aclose(self) -> None:
        self._client.close()


ClientFactory = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
async def make_client(request: pytest.FixtureRequest) -> AsyncIterator[ClientFactory]:
    """Builds clients of the parametrized kind (sync clients wrapped in `SyncAsAsync`); closes them after."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("key", KEY)
        kwargs.setdefault("hash", HASH)
        kwargs.setdefault("retry", FAST_RETRY)
        if request.param == "sync":
            client: Any = SyncAsAsync(ileti.Client(**kwargs))
        else:
            client = ileti.AsyncClient(**kwargs)
        made.append(client)
        return client

    make.kind = request.param  # type: ignore[attr-defined]
    yield make
    for client in made:
        await client.aclose()


async def collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


def is_async(obj: Any) -> bool:
    return inspect.iscoroutinefunction(obj)


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect after each test, so a socket left open is reported against the test that leaked it."""
    yield
    gc.collect()
