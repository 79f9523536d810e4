"""The long hostile-input run (marker `fuzz`, run by `.ci/run`): at least 10,000 requests against a real
`ileti serve` process, across the JSON, XML (raw body and `data=` form) and GET transports, mixing valid
credentials, bad credentials and unreadable bodies with hypothesis's hostile values.

It fails on any 500 or 503, on any answer of /v1 outside the transport's envelope (`assert_documented`), on
any change of the store by a refused request (a fingerprint of every table, read from the database file
after each request), and on any traceback in the server's log. The sandbox clock is frozen, so nothing
settles behind the run's back: a 200 is the only thing that may change the store.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ileti.sandbox.store import tables as t
from ileti.testing import http_client
from tests.sandbox.api.test_hostile_input import (
    ENDPOINT_NAMES,
    GET_PARAMS,
    assert_documented,
    encode,
    envelope,
    hostile_xml,
    odd_text,
    payloads,
    send,
    transports_of,
)
from tests.scale.harness import Control, ServeProcess

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(900)]

REQUESTS = int(os.environ.get("ILETI_FUZZ_REQUESTS", "10000"))  # fewer for a quick local look
SENDER = "FUZZTEST"
# tables whose rows a refused request could touch by content, not only by number
_BY_CONTENT = (
    "accounts",
    "blacklist",
    "groups",
    "contacts",
    "contact_groups",
    "contact_fields",
    "custom_fields",
    "consents",
    "iys_state",
    "carrier_rules",
)


@dataclass
class Target:
    """What `send` and `envelope` of the hostile-input tests need: a client, the URL, the credentials."""

    http: httpx.Client
    url: str
    key: str
    hash: str
    sender: str = SENDER


class Fingerprint:
    """A digest of the store, read from the SQLite file: every table's row count and largest id, the whole
    content of the small tables, and the order counters a cancel or a settlement would change."""

    def __init__(self, db: str) -> None:
        self._connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self._queries = []
        for table in t.metadata.sorted_tables:
            if table.name in ("meta", "journal"):  # settings and the request log, not the state
                continue
            if table.name in _BY_CONTENT or table is t.clock:
                self._queries.append(f"SELECT * FROM {table.name} ORDER BY 1, 2")
            else:
                first = next(iter(table.primary_key.columns)).name
                self._queries.append(f"SELECT count(*), max({first}) FROM {table.name}")
        self._queries.append(
            "SELECT sum(cancelled), sum(refunded_parts), sum(waiting), sum(undelivered) FROM orders"
        )

    def __call__(self) -> str:
        digest = hashlib.sha256()
        for query in self._queries:
            digest.update(repr(self._connection.execute(query).fetchall()).encode())
        return digest.hexdigest()

    def close(self) -> None:
        self._connection.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    directory = tmp_path_factory.mktemp("hostile-run")
    server = ServeProcess(str(directory / "sandbox.db"), directory / "serve.log")
    with server:
        yield server
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert "unexpected error" not in log, log[-3000:]


@pytest.fixture(scope="module")
def target(served: ServeProcess) -> Iterator[Target]:
    control = Control(served.url)
    control("POST", "/_sandbox/clock", {"set": "2026-05-10 12:00:00"})
    account = control.account(
        "fuzz",
        balance={"sms": 10**9, "amount": 1000.0},
        senders=[SENDER],
        iys={"brand_code": "696422", "active": True, "quota": None},
    )
    control("POST", "/_sandbox/accounts/fuzz/custom-fields", {"name": "şehir"})
    control.close()
    with http_client(served.url) as http:
        yield Target(http, served.url, account.key, account.hash)


def test_ten_thousand_hostile_requests(served: ServeProcess, target: Target) -> None:
    fingerprint = Fingerprint(served.db)
    seen: Counter[str] = Counter()
    state = {"print": fingerprint()}

    def one(transport: str, endpoint: str, body: bytes | dict[str, str], *, refused: bool) -> None:
        if sum(seen.values()) >= REQUESTS:  # (decided after every draw: hypothesis replays the draws)
            return
        response = send(target, transport, endpoint, body)
        code = assert_documented(response, "json" if transport == "json" else "xml", (transport, endpoint))
        seen[transport] += 1
        after = fingerprint()
        if refused or code != 200:
            assert after == state["print"], (
                transport,
                endpoint,
                code,
                body if isinstance(body, dict) else body[:300],
            )
        state["print"] = after

    @settings(
        max_examples=REQUESTS * 13 // 10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        transport = data.draw(st.sampled_from(["json", "xml", "form", "get"]))
        if transport == "get":
            params = data.draw(
                st.dictionaries(st.sampled_from(GET_PARAMS) | st.text(max_size=5), odd_text, max_size=9)
            )
            valid = data.draw(st.booleans())
            params = {**params, "key": target.key, "hash": target.hash if valid else "0" * 64}
            one("get", "send-sms", params, refused=not valid)
            return
        endpoint = data.draw(st.sampled_from(ENDPOINT_NAMES))
        if transport not in transports_of(endpoint):
            transport = "json"
        kind = data.draw(st.sampled_from(["valid", "valid", "bad-credentials", "bytes", "truncated", "xml"]))
        body: bytes | None
        if kind == "bytes":
            body = data.draw(st.binary(max_size=300))
        elif kind == "xml":
            body = hostile_xml(data)
        else:
            encoded = encode(
                transport,
                envelope(target, endpoint, data.draw(payloads(endpoint)), valid=kind != "bad-credentials"),
            )
            if encoded is None:
                return
            body = encoded
            if kind == "truncated":  # a strict prefix of a JSON object or an XML document never parses
                body = encoded[: data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))]
        one(transport, endpoint, body, refused=kind != "valid")

    try:
        run()
    finally:
        fingerprint.close()
    assert sum(seen.values()) >= REQUESTS, seen
    assert all(seen[transport] > REQUESTS // 10 for transport in ("json", "xml", "form", "get")), seen
