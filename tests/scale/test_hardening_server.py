"""`ileti serve` as a real process, attacked where a traceback or a wrong status once came out: cookie
headers and query strings the token check could not parse (401, not 503), and clients that go away before
their body has arrived (nothing in the log, and the server keeps serving)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from .harness import ServeProcess

TOKEN = "correct-horse-battery-staple"


def test_unparseable_cookies_and_too_many_query_fields_are_401_with_a_token(tmp_path: Path) -> None:
    server = ServeProcess(
        str(tmp_path / "sandbox.db"), tmp_path / "serve.log", env={"ILETI_CONTROL_TOKEN": TOKEN}
    )
    with server, httpx.Client(base_url=server.url, timeout=10) as http:
        many = "&".join(f"f{i}=1" for i in range(101))
        for headers, query in (
            ({"Cookie": "a<b=1"}, ""),
            ({"Cookie": 'ileti_control="x'}, ""),
            ({}, many),
            ({}, many + f"&token={TOKEN}"),
        ):
            response = http.get("/_sandbox/accounts" + (f"?{query}" if query else ""), headers=headers)
            assert response.status_code == 401, (headers, query[:40], response.text)
        # the token still opens it, with a broken cookie next to it
        response = http.get(
            "/_sandbox/accounts", headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "a<b=1"}
        )
        assert response.status_code == 200
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_a_client_leaving_mid_body_logs_no_traceback(tmp_path: Path) -> None:
    server = ServeProcess(str(tmp_path / "sandbox.db"), tmp_path / "serve.log")
    with server:
        for path in (
            "/v1/send-sms/json",
            "/v1/send-sms",
            "/v1/get-balance",
            "/_sandbox/accounts",
            "/_sandbox/clock",
        ) * 4:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 100\r\n\r\n{".encode()
                )
                sock.shutdown(socket.SHUT_WR)
                sock.settimeout(10)
                assert sock.recv(1000) == b""  # nobody left to answer
        time.sleep(0.3)
        assert httpx.get(server.url + "/readyz", timeout=10).status_code == 200
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert "ClientDisconnect" not in log
    assert len(log.splitlines()) <= 20  # at most a quiet line a request
