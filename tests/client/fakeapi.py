"""A tiny scripted HTTP server for client tests that need what the sandbox cannot give: documented bodies of
endpoints it lacks, non-JSON pages, truncated bodies, dropped connections, slow answers."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OK = {"code": 200, "message": "İşlem başarılı"}

# documented success bodies (CONTRACT §4), keyed by endpoint name
DOCUMENTED: dict[str, dict[str, Any]] = {
    "send-sms": {"order": {"id": "12323232"}},
    "cancel-order": {},
    "get-report": {
        "order": {
            "id": "312891245",
            "status": 114,
            "total": 2,
            "delivered": 1,
            "undelivered": 1,
            "waiting": 0,
            "submitAt": "2026-04-01 10:00:00",
            "sendAt": "2026-04-01 10:00:00",
            "sender": "APITEST",
            "price": "0,5000",
            "message": [{"number": "+905301234567", "status": "111"}, {"number": 5301234001, "status": 112}],
        }
    },
    "get-reports": {
        "count": "1",
        "orders": [
            {
                "id": "42",
                "status": "113",
                "total": 1,
                "delivered": 0,
                "undelivered": 0,
                "waiting": 1,
                "submitAt": "2026-04-01 10:00:00",
                "sendAt": "2026-04-01 10:00:00",
                "sender": "APITEST",
            }
        ],
    },
    "get-balance": {"balance": {"amount": "10.584", "sms": "18343"}},
    "get-sender": {"senders": {"sender": ["APITEST", "MYBRAND"]}},
    "get-blacklist": {"blacklist": {"count": "2", "number": ["+905301234567", "+905301234568"]}},
    "add-blacklist": {},
    "delete-blacklist": {},
    "consent/create": {},
    "consent/show": {
        "consent": {
            "brandCode": "696422",
            "recipient": "+905301234567",
            "recipientType": "BIREYSEL",
            "type": "MESAJ",
            "status": "ONAY",
            "source": "HS_WEB",
            "consentDate": "2026-04-01 10:00:00",
        }
    },
    "add-group": {"group": {"id": "7", "name": "Customers"}},
    "edit-group": {"group": {"id": 7, "name": "Clients"}},
    "delete-group": {},
    "get-groups": {
        "groups": [
            {"id": 7, "name": "Clients", "count": 1, "children": [{"id": 8, "name": "VIP", "count": 0}]}
        ]
    },
    "get-group": {"group": {"id": 7, "name": "Clients", "count": 1, "children": []}},
    "get-group-contacts": {"contacts": [{"id": 1, "name": "Ada", "gsm": "+905301234567", "groups": [7]}]},
    "add-contact": {
        "contact": {
            "id": "1",
            "name": "Ada",
            "gsm": "+905301234567",
            "custom_fields": [{"id": 3, "value": "x"}],
            "groups": [7],
        }
    },
    "edit-contact": {"contact": {"id": 1, "name": "Ada L.", "gsm": "+905301234567"}},
    "delete-contact": {},
    "get-contact": {"contact": {"id": 1, "name": "Ada"}},
    "search-contacts": {"contacts": [{"id": 1, "name": "Ada", "email": "ada@example.com"}]},
}


def envelope(
    payload: dict[str, Any] | None = None, code: int = 200, message: str = "İşlem başarılı"
) -> bytes:
    response: dict[str, Any] = {"status": {"code": code, "message": message}}
    if payload:
        response.update(payload)
    return json.dumps({"response": response}, ensure_ascii=False).encode()


def http(status: int, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


Action = Callable[[dict[str, Any]], bytes | None]
"""Takes the decoded request; returns raw response bytes, or None to drop the connection without answering."""


@dataclass
class FakeApi:
    """Answers `/v1/<endpoint>/json` with scripted actions (FIFO per endpoint), else the documented body."""

    host: str = "127.0.0.1"
    port: int = 0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    connections: int = 0
    scripts: dict[str, deque[Action]] = field(default_factory=lambda: defaultdict(deque))
    close_after_each: bool = False
    tls: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def script(self, endpoint: str, *actions: Action) -> None:
        self.scripts[endpoint].extend(actions)

    def calls(self, endpoint: str) -> list[dict[str, Any]]:
        return [body for name, body in self.requests if name == endpoint]

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self._sock.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._accept.join(timeout=2)

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        buffer = b""
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                endpoint = path.removeprefix("/v1/").removesuffix("/json")
                decoded = json.loads(body) if body else {}
                with self._lock:
                    self.requests.append((endpoint, decoded))
                    script = self.scripts.get(endpoint)
                    action = script.popleft() if script else None
                if action is None:
                    out: bytes | None = http(200, envelope(DOCUMENTED.get(endpoint)))
                    if endpoint not in DOCUMENTED:
                        out = http(404, envelope(code=404, message="API istek yapılan yönteme sahip değil"))
                else:
                    out = action(decoded)
                if out is None:
                    return
                conn.sendall(out)
                if self.close_after_each or getattr(action, "closes", False) or b"Connection: close" in out:
                    return
        except OSError:
            return
        finally:
            conn.close()


# --- actions ------------------------------------------------------------------------------------------


def status(code: int, message: str = "x") -> Action:
    return lambda _: http(code, envelope(code=code, message=message))


def ok(payload: dict[str, Any] | None = None) -> Action:
    return lambda _: http(200, envelope(payload))


def raw(data: bytes) -> Action:
    """Send exactly these bytes, then close the connection."""

    def act(_: dict[str, Any]) -> bytes:
        return data

    act.closes = True  # type: ignore[attr-defined]
    return act


def drop() -> Action:
    return lambda _: None


def slow(seconds: float, then: Action) -> Action:
    def act(request: dict[str, Any]) -> bytes | None:
        time.sleep(seconds)
        return then(request)

    return act
