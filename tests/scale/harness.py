"""What the scale tests share: `ileti serve` as a real subprocess (`tests/serving.py`), a minimal API
caller, the rows-vs-counters audit of a store, and a webhook receiver.

Everything talks to 127.0.0.1 only. `ServeProcess` runs the real command line (`ileti serve --db …
--workers N`) in its own process group, so a test can SIGKILL it, workers and all, and start it again on the
same store.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import sqlalchemy as sa

from ileti.sandbox.store import tables as t
from tests.serving import ServeProcess

SENDER = "LOADTEST"


@dataclass
class Account:
    key: str
    hash: str


def envelope(account: Account, payload_key: str | None = None, payload: Any = None) -> bytes:
    request: dict[str, Any] = {"authentication": {"key": account.key, "hash": account.hash}}
    if payload_key is not None:
        request[payload_key] = payload
    return json.dumps({"request": request}).encode()


def order(text: str, numbers: list[str], sender: str = SENDER, **extra: Any) -> dict[str, Any]:
    message = {"text": text, "receipents": {"number": numbers}}
    return {"sender": sender, "iys": "0", "message": message, **extra}


class Control:
    """The control API and a few /v1 calls, synchronously, for set-up and verification."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=60.0)

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        assert response.status_code < 300, f"{method} {path} -> {response.status_code}: {response.text}"
        return response.json()

    def account(self, key: str, **fields: Any) -> Account:
        body = {"key": key, "secret": f"secret-of-{key}", "senders": [SENDER], **fields}
        created = self("POST", "/_sandbox/accounts", body)
        return Account(created["key"], created["hash"])

    def api(
        self, account: Account, endpoint: str, payload_key: str | None = None, payload: Any = None
    ) -> tuple[int, dict[str, Any]]:
        response = self.http.post(
            f"/v1/{endpoint}/json",
            content=envelope(account, payload_key, payload),
            headers={"Content-Type": "application/json"},
        )
        return response.status_code, response.json()

    def report_numbers(self, account: Account, order_id: int) -> tuple[dict[str, Any], list[str]]:
        """get-report's order object and every row's number, walking pages of 1000."""
        numbers: list[str] = []
        page = 1
        while True:
            status, body = self.api(
                account, "get-report", "order", {"id": str(order_id), "page": str(page), "rowCount": "1000"}
            )
            assert status == 200, body
            report: dict[str, Any] = body["response"]["order"]
            rows = report.get("message") or []
            numbers += [row["number"] for row in rows]
            if len(rows) < 1000:
                return report, numbers
            page += 1

    def close(self) -> None:
        self.http.close()


def fire_at_once(url: str, bodies: list[bytes], path: str = "/v1/send-sms/json") -> list[tuple[int, Any]]:
    """POST every body on its own, already open connection, all released by one barrier: the requests
    reach the server as close to simultaneously as a client can make them. Answers in the bodies' order."""
    host, port = url.removeprefix("http://").split(":")
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, Any]] = [(0, None)] * len(bodies)

    def one(index: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            connection.connect()
            barrier.wait(timeout=60)
            connection.request("POST", path, body=bodies[index], headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            results[index] = (response.status, json.loads(response.read()))
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def codes(results: list[tuple[int, Any]]) -> Counter[int]:
    """HTTP statuses, after checking each equals its body's `status.code` (OQ-1)."""
    for status, body in results:
        assert body is not None, status
        assert body["response"]["status"]["code"] == status, (status, body)
    return Counter(status for status, _ in results)


# ---------------------------------------------------------------------------------------------- store audit


def engine_for(db: str) -> sa.Engine:
    """A read-only look at a store: a SQLite file path or a PostgreSQL URL."""
    if db.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        url = "postgresql+psycopg://" + db.split("://", 1)[1]
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    return sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)


@dataclass
class Audit:
    orders: int = 0
    messages: int = 0
    problems: list[str] = field(default_factory=list)


def audit(db: str, initial_sms: Mapping[str, int] | None = None) -> Audit:
    """Check that every counter agrees with the rows it counts:

    - per order: `total` = rows, `waiting`/`delivered`/`undelivered` = rows in 110/111/112, `delivered_parts`
      = parts of 111 rows, and for a billed order `charged − refunded` = parts of its 110 and 111 rows;
    - a row still due to settle is 110;
    - per SMS-credit account in `initial_sms`: balance = initial − Σ(charged − refunded) of its orders.
    """
    o, m, a = t.orders, t.messages, t.accounts
    result = Audit()
    engine = engine_for(db)
    try:
        with engine.connect() as connection:
            per_status = (
                sa.select(
                    m.c.order_id,
                    sa.func.count().label("rows"),
                    sa.func.sum(sa.case((m.c.status == 110, 1), else_=0)).label("w"),
                    sa.func.sum(sa.case((m.c.status == 111, 1), else_=0)).label("d"),
                    sa.func.sum(sa.case((m.c.status == 112, 1), else_=0)).label("u"),
                    sa.func.sum(sa.case((m.c.status == 111, m.c.parts), else_=0)).label("dp"),
                    sa.func.sum(sa.case((m.c.status.in_((110, 111)), m.c.parts), else_=0)).label("kept"),
                )
                .group_by(m.c.order_id)
                .subquery()
            )
            rows = connection.execute(
                sa.select(
                    o.c.id,
                    o.c.account_key,
                    o.c.total,
                    o.c.waiting,
                    o.c.delivered,
                    o.c.undelivered,
                    o.c.delivered_parts,
                    o.c.charged_parts,
                    o.c.refunded_parts,
                    per_status,
                ).select_from(o.outerjoin(per_status, per_status.c.order_id == o.c.id))
            ).all()
            spent: Counter[str] = Counter()
            for r in rows:
                result.orders += 1
                got = (r.rows or 0, r.w or 0, r.d or 0, r.u or 0, r.dp or 0)
                want = (r.total, r.waiting, r.delivered, r.undelivered, r.delivered_parts)
                if got != want:
                    result.problems.append(f"order {r.id}: counters {want} but rows {got}")
                if r.charged_parts and r.charged_parts - r.refunded_parts != (r.kept or 0):
                    result.problems.append(
                        f"order {r.id}: charged {r.charged_parts} - refunded "
                        f"{r.refunded_parts} but kept rows hold {r.kept or 0} parts"
                    )
                spent[r.account_key] += r.charged_parts - r.refunded_parts
            result.messages = connection.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
            stray = connection.execute(
                sa.select(sa.func.count()).select_from(m).where(m.c.due_ts.isnot(None), m.c.status != 110)
            ).scalar_one()
            if stray:
                result.problems.append(f"{stray} final rows are still due to settle")
            for key, initial in (initial_sms or {}).items():
                balance = connection.execute(sa.select(a.c.balance_sms).where(a.c.key == key)).scalar_one()
                if balance < 0 or balance != initial - spent[key]:
                    result.problems.append(
                        f"account {key}: balance {balance}, expected "
                        f"{initial} - {spent[key]} = {initial - spent[key]}"
                    )
    finally:
        engine.dispose()
    return result


# ---------------------------------------------------------------------------------------------- webhooks


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that answers 200 to every POST and keeps the JSON bodies."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            # the sandbox opens many connections at once; each one a short backlog drops costs a 1 s retry
            request_queue_size = 256
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reports(self) -> list[dict[str, Any]]:
        with self._lock:
            return [body["report"] for body in self.received]

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # anything beyond `count` (a double delivery) has a moment to arrive too
        return self.reports()

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def running(server: ServeProcess) -> Iterator[ServeProcess]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
