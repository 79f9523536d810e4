"""Delivery-report webhooks (CONTRACT §6, OQ-21): an outbox in the store and a worker that drains it.

Every message status change writes an outbox row in the same transaction as the change (`store/outbox.py`,
with the core's §6 builder `wire.webhook.webhook_payload`), so a crash loses no event. The worker POSTs each
row's §6 payload to the account's webhook URL with a timeout, retries a failure (non-2xx, timeout, connection
error) up to `webhook_retries` times with exponential backoff (`webhook_backoff`, doubling), and logs every
attempt; `GET /_sandbox/webhooks` shows the log. A message's
events go out in order (`accepted` before its final status). No signature is sent (OQ-21).
Backoff runs on the wall clock, not the sandbox clock, so a frozen sandbox clock cannot stall deliveries.

A redirect is never followed: a 3xx answer is a failed attempt like any other non-2xx (a 307 to another port
would otherwise get the body again). An account's webhook URL may name any host, by design for a local
sandbox (the control API sets it, and the control API is the operator's); `webhook_allowed_hosts` narrows
that: a URL whose host is not listed is recorded as a failed attempt, not retried, and nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from ileti.sandbox.api.faults import WEBHOOK, Faults
from ileti.sandbox.store.records import WebhookJob
from ileti.sandbox.store.sql import SqlStore

if TYPE_CHECKING:
    import aiohttp

__all__ = ["WebhookWorker"]

log = logging.getLogger("ileti.sandbox.world.webhooks")


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


class WebhookWorker:
    """Drains the webhook outbox; `wake()` after writing events, `run()` as a background task."""

    def __init__(
        self,
        store: SqlStore,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        concurrency: int,
        allowed_hosts: str = "",
    ) -> None:
        self._allowed_hosts = tuple(
            host.strip().lower().rstrip(".") for host in allowed_hosts.split(",") if host.strip()
        )
        self._store = store
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._concurrency = concurrency
        self._wakeup = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None  # opened at the first POST, closed when `run` ends
        self._running = False
        self.faults: Faults | None = None  # the webhook faults (`drop`, `duplicate`, `delay`), when set

    def _refused_host(self, url: str) -> str | None:
        """Why `url` may not be delivered to under `webhook_allowed_hosts` (None: it may)."""
        if not self._allowed_hosts:
            return None
        host = _host_of(url)
        for entry in self._allowed_hosts:
            if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
                return None
        return f"the host {host!r} is not in webhook_allowed_hosts; not delivered"

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        self._running = True
        try:
            while True:
                try:
                    busy = await self._pass()
                except Exception:  # a background worker logs and carries on (STYLE: errors)
                    log.exception("webhook pass failed")
                    busy = False
                if not busy:
                    # poll as well: retries become due without anyone waking us
                    # not `wait_for`: on Python 3.11 it loses a cancellation that arrives just as the wait
                    # ends, which a worker woken after every settlement batch met at every shutdown
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(min(0.1, self._backoff or 0.1)):
                            await self._wakeup.wait()
                    self._wakeup.clear()
        finally:
            self._running = False
            if self._session is not None:
                session, self._session = self._session, None
                await session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            # aiohttp is imported at the first webhook, not at start-up: it costs a server that never sends
            # one about a tenth of a second before its first answer (docs/benchmarks.md, start-up)
            import aiohttp

            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._session

    async def _pass(self) -> bool:
        # a claim is a lease; one that runs out (this worker died mid-delivery) is delivered again elsewhere
        jobs = self._store.outbox.claim(time.time(), self._concurrency, lease=2 * self._timeout + 10)
        if jobs:
            if self.faults is not None:
                self.faults.refresh()  # the rules as they are now, once per pass
            await asyncio.gather(*(self._deliver(job) for job in jobs))
        return bool(jobs)

    async def post(self, url: str, payload: bytes) -> tuple[int | None, str | None]:
        """POST one payload: (HTTP status or None, error or None); an error also for a non-2xx answer."""
        assert self._running, "the webhook worker is not running"
        import aiohttp  # for its exceptions; imported once, see `_client`

        status: int | None = None
        error: str | None = None
        refused = self._refused_host(url)
        if refused is not None:
            return None, refused
        try:
            # never follow a redirect: a 3xx is the receiver's answer, and a failed attempt
            async with self._client().post(
                url, data=payload, allow_redirects=False, headers={"Content-Type": "application/json"}
            ) as response:
                status = response.status
                await response.read()
        except TimeoutError:
            error = f"timeout after {self._timeout:g} s"
        except (aiohttp.ClientError, OSError, ValueError) as exc:  # ValueError: a malformed URL
            error = f"{type(exc).__name__}: {exc}"
        if status is not None and not 200 <= status < 300:
            error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
        return status, error

    async def _deliver(self, job: WebhookJob) -> None:
        fault = self.faults.take(WEBHOOK) if self.faults is not None else None
        if fault is not None and fault.fault == "delay":
            delay = fault.delay_seconds()
            # keep the claim while waiting, so no other worker takes the job meanwhile
            self._store.outbox.extend_lease(job.id, time.time() + delay + 2 * self._timeout + 10)
            await asyncio.sleep(delay)
        started = time.time()
        sends: list[tuple[float, int | None, str | None, float]] = []  # (start, status, error, duration)
        kind = fault.fault if fault is not None else None
        refused = self._refused_host(job.url)
        if refused is not None:  # final: retrying cannot change the setting
            sends.append((started, None, refused, 0.0))
        elif kind == "drop":
            sends.append((started, None, "dropped by an injected fault (no attempt made)", 0.0))
        else:
            for _ in range(2 if kind == "duplicate" else 1):
                began = time.time()
                status, error = await self.post(job.url, job.payload)
                sends.append((began, status, error, (time.time() - began) * 1000))
        ok = any(error is None for _, _, error, _ in sends)
        finished = time.time()
        for began, status, error, duration in sends:
            attempt = job.attempts + 1
            retry = not ok and refused is None and attempt <= self._retries
            self._store.outbox.record_attempt(
                job,
                at=began,
                http_status=status,
                error=error,
                duration_ms=duration,
                next_ts=finished + self._backoff * 2 ** (attempt - 1) if retry else None,
                delivered=ok,
            )
            job = WebhookJob(job.id, job.url, job.payload, attempt)
