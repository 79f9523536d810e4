"""A sandbox shared by a team (docs/scaling.md): the control API and the inbox behind a token or on their own
address, request bodies refused before they exhaust memory, and one clock and one set of fault rules for every
worker."""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.serving import free_port

from .harness import Account, Control, ServeProcess, envelope, order

TOKEN = "team-sandbox-token-0123456789"


def test_control_token_guards_the_control_api_and_the_inbox(tmp_path: Path) -> None:
    server = ServeProcess(str(tmp_path / "s.db"), tmp_path / "serve.log", env={"ILETI_CONTROL_TOKEN": TOKEN})
    with server, httpx.Client(base_url=server.url, timeout=30) as http:
        for path in ("/_sandbox/clock", "/_sandbox/accounts", "/", "/_sandbox/inbox/static/inbox.js"):
            assert http.get(path).status_code == 401, path
        assert (
            http.get(
                "/_sandbox/clock", headers={"Authorization": "Bearer wrong-token-wrong-token"}
            ).status_code
            == 401
        )
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        created = http.post(
            "/_sandbox/accounts",
            json={"key": "team", "secret": "s", "senders": ["LOADTEST"], "balance": {"sms": 10}},
            headers=bearer,
        )
        assert created.status_code == 201
        # the API itself and the health checks need no token
        balance = http.post("/v1/get-balance/json", content=envelope(_account(created.json())))
        assert balance.status_code == 200
        assert http.get("/livez").status_code == 200
        assert http.get("/readyz").status_code == 200
        # a browser opens the inbox once with ?token=; the cookie carries it from then on
        page = http.get(f"/?token={TOKEN}")
        assert page.status_code == 200
        assert "HttpOnly" in page.headers["set-cookie"]
        assert "SameSite=Strict" in page.headers["set-cookie"]
        assert http.get("/_sandbox/clock").status_code == 200  # the client kept the cookie
    assert TOKEN not in server.tail(100_000)


def test_control_port_keeps_the_control_api_off_the_api_address(tmp_path: Path) -> None:
    control_port = free_port()
    server = ServeProcess(str(tmp_path / "s.db"), tmp_path / "serve.log", control_port=control_port)
    with server, httpx.Client(timeout=30) as http:
        for path in ("/_sandbox/clock", "/_sandbox/accounts", "/"):
            assert http.get(server.url + path).status_code == 404, path
        control = f"http://127.0.0.1:{control_port}"
        assert http.get(control + "/_sandbox/clock").status_code == 200
        assert http.get(control + "/").status_code == 200
        created = http.post(
            control + "/_sandbox/accounts",
            json={"key": "team", "secret": "s", "senders": ["LOADTEST"], "balance": {"sms": 1}},
        )
        assert created.status_code == 201
        answer = http.post(server.url + "/v1/get-balance/json", content=envelope(_account(created.json())))
        assert answer.status_code == 200


def _account(body: dict[str, str]) -> Account:
    return Account(body["key"], body["hash"])


def _raw(port: int, head: bytes, body_chunks: Sequence[bytes] = ()) -> tuple[int, bytes]:
    """Send a request by hand (so a body can be announced and never sent); the status and body answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):  # the server answered and closed early: fine
            pass
        data = b""
        while b"\r\n\r\n" not in data:
            more = sock.recv(65536)
            if not more:
                break
            data += more
        head_part, _, rest = data.partition(b"\r\n\r\n")
        status = int(head_part.split(b" ", 2)[1])
        length = next(
            (
                int(line.split(b":")[1])
                for line in head_part.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(rest) < length:
            more = sock.recv(65536)
            if not more:
                break
            rest += more
        return status, rest


def test_bodies_over_the_limit_are_refused_before_they_are_read(tmp_path: Path) -> None:
    limit = 1024 * 1024
    server = ServeProcess(str(tmp_path / "s.db"), tmp_path / "serve.log", max_body_bytes=limit)
    with server:
        # announced as 4 GiB and never sent: the answer comes at once
        started = time.monotonic()
        for path, code in (("/v1/send-sms/json", 453), ("/v1/get-balance/json", 400), ("/v1/send-sms", 453)):
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {4 * 1024**3}\r\n\r\n"
            ).encode()
            status, body = _raw(server.port, head)
            assert status == code, (path, body)
            assert str(code).encode() in body
        status, body = _raw(
            server.port,
            (
                f"POST /_sandbox/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {4 * 1024**3}\r\n\r\n"
            ).encode(),
        )
        assert status == 413
        assert time.monotonic() - started < 10
        # a chunked body is counted as it arrives
        chunk = b"x" * 65536
        frames = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (2 * limit // len(chunk)) + [b"0\r\n\r\n"]
        head = (
            b"POST /v1/send-sms/json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        assert _raw(server.port, head, frames)[0] == 453
        # and a body just under the limit is read as usual
        control = Control(server.url)
        account = control.account("limits", balance={"sms": 100})
        padding = " " * (limit - 2000)
        body = envelope(account, "order", order("sınırda", ["5301234567"])) + padding.encode()
        assert control.http.post("/v1/send-sms/json", content=body).status_code == 200
        control.close()


def test_every_worker_sees_the_clock_another_worker_set(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.post("/_sandbox/clock", json={"set": "2030-01-02 03:04:05"}).status_code == 200
        seen = set()
        for _ in range(40):  # a new connection each time, so both workers answer some of them
            with httpx.Client(base_url=server.url, timeout=30) as http:
                seen.add(http.get("/_sandbox/clock").json()["now"])
        assert seen == {"2030-01-02 03:04:05"}


def test_a_fault_set_through_one_worker_fires_on_all_and_is_used_up_once(
    store_db: str, tmp_path: Path
) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        control = Control(server.url)
        account = control.account("faulty", balance={"sms": 10})
        control(
            "PUT",
            "/_sandbox/faults",
            {"rules": [{"endpoint": "get-balance", "fault": "status_503", "times": 5}]},
        )
        control.close()
        statuses = []
        for _ in range(20):  # a new connection each time, so both workers answer some of them
            with httpx.Client(base_url=server.url, timeout=30) as http:
                statuses.append(http.post("/v1/get-balance/json", content=envelope(account)).status_code)
        assert statuses == [503] * 5 + [200] * 15
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/_sandbox/faults").json() == {"rules": []}
