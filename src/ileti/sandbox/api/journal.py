"""The request journal: every /v1 call, accepted or refused, in every transport, newest first.

    trace = journal.start("send-sms", "json")        # routes.py, as a call arrives
    ... trace.request / account / code / reason / order_id are filled in by `formats.run_endpoint` ...
    journal.finish(trace)                             # as the answer goes out: queued in memory
    journal.entries(account=..., code=..., since_id=..., limit=...)   # GET /_sandbox/requests

Writing a row per call inside the request would cost a send-sms a statement and delay its answer; instead
`finish` encodes the entry (the request redacted, everything as one JSON array) and appends the bytes to an
in-memory list, and `run` (a task of the app's lifespan) writes what has gathered every `FLUSH_SECONDS` as
one row of `journal` (`store/journal_rows.py`), so the store does one insert per batch, not per call. A
worker reading the journal writes its own pending entries first; on a store shared by several workers it also
waits two flush intervals, so the entries of every call answered before the read are in the store. Entries
still in memory when a process is killed are lost: the journal is a debugging aid, not part of what a 200
promises.

The journal keeps `journal_size` entries (0: off): reads see only the newest that many, and the batches
older than them are deleted after every tenth of that many entries written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ileti.codes import Code
from ileti.sandbox.store import journal_rows
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.clock import Clock
from ileti.times import format_timestamp

__all__ = ["FLUSH_SECONDS", "Journal", "Trace", "default_reason", "encode_entry", "redact"]

log = logging.getLogger("ileti.sandbox")

FLUSH_SECONDS = 0.05
REDACTED = "***"
SECRET_KEYS = frozenset({"hash", "password"})
MAX_LIST_ITEMS = 100  # a 50,000-recipient order is journaled with its first 100 numbers
MAX_STRING = 2000  # characters of any one string kept
MAX_STORED = 8 * 1024  # bytes of request JSON stored as is; a larger body is cut (lists, strings)


@dataclass(slots=True)
class Trace:
    """One /v1 call on its way through the pipeline; `formats.run_endpoint` fills in what it learns."""

    endpoint: str
    transport: str
    at: float  # sandbox clock
    started: float  # perf_counter
    request: Any = None  # the decoded body, as is (redacted when written)
    account: str | None = None
    code: int | None = None  # None: the connection was dropped before any answer
    reason: str | None = None
    order_id: int | None = None


def default_reason(endpoint: str, code: int) -> str:
    """The sentence of a refusal whose raise site gave none: the endpoint and what the code means."""
    try:
        info = Code(code)
    except ValueError:
        return f"{endpoint}: answered {code}"
    return f"{endpoint}: {info.meaning.rstrip('.')} ({int(info)} {info.message})"


def redact(value: Any) -> tuple[Any, bool]:
    """A copy of a decoded request with every `hash` and `password` value replaced by `***`, lists cut to
    `MAX_LIST_ITEMS` and strings to `MAX_STRING` characters; and whether anything was cut."""
    cut = False

    def walk(item: Any) -> Any:
        nonlocal cut
        if isinstance(item, dict):
            return {
                key: (REDACTED if key in SECRET_KEYS and item_value is not None else walk(item_value))
                for key, item_value in item.items()
            }
        if isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                cut = True
                item = item[:MAX_LIST_ITEMS]
            return [walk(element) for element in item]
        if isinstance(item, str) and len(item) > MAX_STRING:
            cut = True
            return item[:MAX_STRING]
        return item

    return walk(value), cut


def encode_entry(trace: Trace, duration: float, answered: float = 0.0) -> bytes:
    """One journal entry as a JSON array (`ENTRY_FIELDS` order), the request redacted and cut to size.

    Runs as every call ends, so the usual request (secrets only under `request.authentication`) has its
    secrets replaced in place (the call is over: nothing reads its decoded body any more) and is encoded once
    with the rest of the entry. Any other shape, or an entry past `MAX_STORED` bytes, takes the full walk of
    `redact`. `answered` is the wall-clock time of the answer: what orders the entries of several workers.
    """
    code, reason = trace.code, trace.reason
    if reason is None and code is not None and code != 200:
        reason = default_reason(trace.endpoint, code)
    at, account, endpoint, transport, order_id = (
        trace.at,
        trace.account,
        trace.endpoint,
        trace.transport,
        trace.order_id,
    )
    body = trace.request
    if body is None:
        return orjson.dumps(
            [at, account, endpoint, transport, code, reason, None, False, order_id, duration, answered]
        )
    request = body.get("request") if type(body) is dict and len(body) == 1 else None
    auth = request.get("authentication") if type(request) is dict else None
    if type(auth) is dict and type(request) is dict and "hash" not in request and "password" not in request:
        if auth.get("hash") is not None:
            auth["hash"] = REDACTED
        if auth.get("password") is not None:
            auth["password"] = REDACTED
        data = orjson.dumps(
            [at, account, endpoint, transport, code, reason, body, False, order_id, duration, answered]
        )
        if len(data) <= MAX_STORED:
            return data
    request, cut = redact(body)
    return orjson.dumps(
        [at, account, endpoint, transport, code, reason, request, cut, order_id, duration, answered]
    )


ENTRY_FIELDS = (
    "at",
    "account",
    "endpoint",
    "transport",
    "code",
    "reason",
    "request",
    "truncated",
    "order_id",
    "duration_ms",
    "answered",
)


class Journal:
    """The journal of one app: pending traces in memory, written in batches to the store's `journal` table."""

    def __init__(
        self,
        store: SqlStore,
        clock: Clock,
        size: int,
        *,
        shared: bool = False,
        interval: float = FLUSH_SECONDS,
    ) -> None:
        self._store = store
        self._clock = clock
        self.size = size
        self._shared = shared
        self._interval = interval
        self._pending: list[bytes] = []
        self._written_since_prune = 0
        self._prune_every = max(size // 10, 1)
        self._rows = journal_rows.JournalRows(store) if size else None

    @property
    def enabled(self) -> bool:
        return self.size > 0

    # ------------------------------------------------------------------------------------ the hot path

    def start(self, endpoint: str, transport: str) -> Trace | None:
        if not self.size:
            return None
        return Trace(endpoint, transport, self._clock.now(), time.perf_counter())

    def finish(self, trace: Trace | None) -> None:
        """Queue the finished call (its duration ends now), encoded: nothing of the request stays alive for
        the garbage collector to walk until the next flush writes it."""
        if trace is None:
            return
        duration = (time.perf_counter() - trace.started) * 1000.0
        answered = time.time()
        try:
            entry = encode_entry(trace, duration, answered)
        except (TypeError, ValueError):  # a value JSON cannot carry: keep the entry without its request
            trace.request = None
            entry = encode_entry(trace, duration, answered)
        self._pending.append(entry)
        if len(self._pending) > self.size:  # the store is not keeping up: the oldest go first
            del self._pending[: len(self._pending) - self.size]

    # ------------------------------------------------------------------------------------ writing

    async def run(self) -> None:
        """Write the pending entries every `interval` seconds until cancelled (then once more)."""
        try:
            while True:
                await asyncio.sleep(self._interval)
                self._flush_logged()
        finally:
            self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:  # the store was busy or gone: keep serving, try again next time
            log.warning("could not write the request journal", exc_info=True)

    def flush(self) -> None:
        """Write every pending entry now, as one batch, and prune when due."""
        if not self._pending or self._rows is None:
            return
        batch, self._pending = self._pending, []
        try:
            self._rows.insert(batch)
        except BaseException:
            self._pending[:0] = batch  # try again with the next flush
            raise
        self._written_since_prune += len(batch)
        if self._written_since_prune >= self._prune_every:
            self._written_since_prune = 0
            self._rows.prune(self.size)

    def discard(self) -> None:
        """Forget the rows not written yet (a reset or `DELETE /_sandbox/requests`)."""
        self._pending.clear()

    def clear(self) -> int:
        """Empty the journal (pending rows too); how many stored rows went."""
        self.discard()
        return self._rows.clear() if self._rows is not None else 0

    # ------------------------------------------------------------------------------------ reading

    async def entries(
        self,
        *,
        account: str | None = None,
        endpoint: str | None = None,
        codes: Sequence[int] = (),
        since_id: int | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """The newest entries first, at most `limit`, from the newest `size`.

        One process writes its entries in the order it answered them, so their ids are already newest first.
        Workers sharing a store each write a batch every interval, so one worker's batch can take ids above
        calls another worker answered later: there the entries are ordered by the time of their answer.
        """
        if self._rows is None:
            return []
        self.flush()
        if self._shared:  # every other worker's calls answered before this read are written by now
            await asyncio.sleep(self._interval * 2)
        wanted = frozenset(codes)
        found: list[dict[str, Any]] = []
        for entry_id, raw in self._rows.newest(self.size):
            if since_id is not None and entry_id <= since_id:
                if not self._shared:
                    break
                continue
            if not self._shared and len(found) >= limit:
                break
            entry = dict(zip(ENTRY_FIELDS, raw, strict=True))
            if (
                (account is not None and entry["account"] != account)
                or (endpoint is not None and entry["endpoint"] != endpoint)
                or (wanted and entry["code"] not in wanted)
                or (order_id is not None and entry["order_id"] != order_id)
            ):
                continue
            found.append({"id": entry_id, **entry})
        if self._shared:
            found.sort(key=lambda entry: (entry["answered"], entry["id"]), reverse=True)
            del found[limit:]
        for entry in found:
            del entry["answered"]
            entry["at"] = format_timestamp(entry["at"])
            entry["duration_ms"] = round(entry["duration_ms"], 3)
        return found
