"""The sandbox attacked as a hostile web page and a hostile client would (docs/sandbox.md, "Security"), each
over a real socket against a real `ileti serve`: DNS rebinding and cross-origin calls, the control API off
loopback, webhook redirects, unbounded heads, idle partial requests, bodies and event streams, forged log
lines, and the h2c upgrade offer of `curl --http2`."""

from __future__ import annotations

import http.server
import json
import logging
import resource
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ileti.sandbox.control.access import host_allowed
from ileti.sandbox.logsafe import EscapeControls
from ileti.testing import SandboxHandle, SandboxServer, http_client

from .conftest import Served, serve

JSON = {"Content-Type": "application/json"}


def _send_body(served: Served, text: str = "Merhaba", number: str = "5301234567") -> bytes:
    auth = {"key": served.banner("key"), "hash": served.banner("hash")}
    order = {"sender": "ILETIDEMO", "iys": "0", "message": {"text": text, "receipents": {"number": [number]}}}
    return json.dumps({"request": {"authentication": auth, "order": order}}).encode()


def _messages(served: Served, **headers: str) -> list[dict[str, Any]]:
    response = httpx.get(served.url + "/_sandbox/messages", headers=headers)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


# ------------------------------------------------------------------------- 1: web pages on localhost


def test_a_web_page_cannot_drive_the_sandbox_on_localhost(tmp_path: Path) -> None:
    with serve(tmp_path) as served, httpx.Client(base_url=served.url) as http:
        # DNS rebinding: the page's own domain resolves to 127.0.0.1; the Host header still names it
        rebound = {"Host": f"attacker.example:{served.port}"}
        refused = http.get("/_sandbox/accounts", headers=rebound)
        assert refused.status_code == 403
        assert "allowed_hosts" in refused.json()["error"]
        assert http.post("/v1/send-sms/json", content=_send_body(served), headers=rebound).status_code == 403
        assert http.get("/", headers=rebound).status_code == 403
        for name in (f"localhost:{served.port}", f"127.0.0.1:{served.port}", f"app.localhost:{served.port}"):
            assert http.get("/_sandbox/accounts", headers={"Host": name}).status_code == 200, name

        # cross-origin "simple" requests (text/plain POST, form POST) change nothing
        accounts = http.get("/_sandbox/accounts").json()["accounts"]
        clock = http.get("/_sandbox/clock").json()
        page = {"Origin": "http://attacker.example", "Content-Type": "text/plain"}
        assert http.post("/_sandbox/reset", headers=page).status_code == 403
        assert http.post("/_sandbox/clock", content=b'{"advance": 3600}', headers=page).status_code == 403
        assert (
            http.post(
                "/_sandbox/accounts",
                content=b'{"key": "evil"}',
                headers={"Sec-Fetch-Site": "cross-site", **JSON},
            ).status_code
            == 403
        )
        assert (
            http.post(
                "/_sandbox/accounts", content=b'{"key": "evil"}', headers={"Origin": "null", **JSON}
            ).status_code
            == 403
        )
        # no Origin at all (curl, a script): still only JSON bodies
        plain = http.post(
            "/_sandbox/clock", content=b'{"advance": 3600}', headers={"Content-Type": "text/plain"}
        )
        assert plain.status_code == 415
        assert "application/json" in plain.json()["error"]
        form = http.post("/_sandbox/accounts", data={"key": "evil"})
        assert form.status_code == 415
        assert http.get("/_sandbox/accounts").json()["accounts"] == accounts
        assert abs(http.get("/_sandbox/clock").json()["epoch"] - clock["epoch"]) < 60

        # the page's own origin, and a browser's same-origin marker, work
        own = {"Origin": served.url, "Sec-Fetch-Site": "same-origin", **JSON}
        assert http.post("/_sandbox/clock", content=b'{"advance": 60}', headers=own).status_code == 200
        # /v1 accepts what the real API accepts: any content type, any origin
        api = http.post("/v1/send-sms/json", content=_send_body(served), headers=page)
        assert api.status_code == 200, api.text

    with serve(tmp_path, "--allowed-hosts", "sms.test,.dev.example") as served:
        for name, status in (
            ("sms.test", 200),
            ("a.dev.example", 200),
            ("dev.example", 200),
            ("evil.test", 403),
            (f"127.0.0.1:{served.port}", 200),
        ):
            assert httpx.get(served.url + "/readyz", headers={"Host": name}).status_code == status, name


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("LOCALHOST:8080", True),
        ("localhost.:8080", True),
        ("app.localhost", True),
        ("127.0.0.1:8080", True),
        ("127.1.2.3", True),
        ("[::1]:8080", True),
        ("[::ffff:127.0.0.1]", True),
        ("127.0.0.1.nip.io", False),
        ("localhost.attacker.example", False),
        ("0.0.0.0:8080", False),
        ("[::]:8080", False),
        ("10.0.0.5", False),
        ("", False),
        ("attacker.example", False),
    ],
)
def test_which_host_names_are_loopback(host: str, allowed: bool) -> None:
    assert host_allowed(host, ()) is allowed


# ------------------------------------------------------------------------- 2: the control API off loopback


def test_a_non_loopback_bind_is_never_open_silently(tmp_path: Path) -> None:
    with serve(tmp_path, host="0.0.0.0") as served:
        token = served.banner("token")
        assert token is not None, served.text()
        assert len(token) >= 16
        assert "need the token generated for this run" in served.text()
        assert httpx.get(served.url + "/_sandbox/accounts").status_code == 401
        authorised = httpx.get(
            served.url + "/_sandbox/accounts", headers={"Authorization": f"Bearer {token}"}
        )
        assert authorised.status_code == 200
        assert httpx.post(served.url + "/v1/send-sms/json", content=_send_body(served)).status_code == 200

    given = "a-token-chosen-by-the-operator"
    with serve(tmp_path, host="0.0.0.0", env={"ILETI_CONTROL_TOKEN": given}) as served:
        assert served.banner("token") is None
        assert "need the token of ILETI_CONTROL_TOKEN" in served.text()
        assert httpx.get(served.url + "/_sandbox/accounts").status_code == 401
        assert (
            httpx.get(
                served.url + "/_sandbox/accounts", headers={"Authorization": f"Bearer {given}"}
            ).status_code
            == 200
        )

    with serve(tmp_path, "--control-open", host="0.0.0.0") as served:
        assert "open to every client that can reach the address" in served.text()
        assert httpx.get(served.url + "/_sandbox/accounts").status_code == 200

    with serve(tmp_path) as served:
        assert "open, on a loopback address only" in served.text()


def test_the_plugin_handle_sends_the_control_token() -> None:
    token = "plugin-control-token-0123"
    with SandboxServer(control_token=token) as server:
        assert server.control_token == token
        with http_client(server.url) as anonymous:
            assert anonymous.get("/_sandbox/accounts").status_code == 401
        with http_client(server.url, token) as http:
            account = http.post("/_sandbox/accounts", json={"senders": ["ILETITEST"]}).json()
        handle = SandboxHandle(server.url, account, "ILETITEST", token)
        try:
            keys = [found["key"] for found in handle.control("GET", "/accounts")["accounts"]]
            assert account["key"] in keys
            handle.advance(60)
        finally:
            handle.close()


# ------------------------------------------------------------------------- 3: webhooks and redirects


class _Receiver:
    """A local HTTP server answering every POST with `status` (and `location`), recording what it got."""

    def __init__(self, status: int, location: str = "") -> None:
        received: list[bytes] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[tuple[_Receiver, _Receiver]]:
    target = _Receiver(200)
    redirector = _Receiver(307, target.url)
    yield redirector, target
    redirector.close()
    target.close()


def _webhooks_after_send(served: Served, url: str) -> list[dict[str, Any]]:
    key = served.banner("key")
    assert httpx.patch(f"{served.url}/_sandbox/accounts/{key}", json={"webhook_url": url}).status_code == 200
    assert httpx.post(served.url + "/v1/send-sms/json", content=_send_body(served)).status_code == 200
    deadline = time.monotonic() + 15
    while True:
        hooks: list[dict[str, Any]] = httpx.get(served.url + "/_sandbox/webhooks").json()["webhooks"]
        if hooks and all(hook["log"] for hook in hooks):
            time.sleep(0.5)  # a retry, if one were made, would be due by now (--webhook-backoff 0.1)
            final: list[dict[str, Any]] = httpx.get(served.url + "/_sandbox/webhooks").json()["webhooks"]
            return final
        assert time.monotonic() < deadline, hooks
        time.sleep(0.1)


def test_webhook_deliveries_do_not_follow_redirects(
    tmp_path: Path, receivers: tuple[_Receiver, _Receiver]
) -> None:
    redirector, target = receivers
    with serve(tmp_path, "--webhook-retries", "0", "--webhook-backoff", "0.1") as served:
        hooks = _webhooks_after_send(served, redirector.url)
        assert redirector.received, "the first hop got the webhook"
        time.sleep(0.5)
        assert target.received == [], "the redirect was followed, body and all"
        attempts = [attempt for hook in hooks for attempt in hook["log"]]
        assert attempts, hooks
        assert all(attempt["http_status"] == 307 for attempt in attempts), hooks
        assert "redirects are not followed" in attempts[0]["error"]

    with serve(tmp_path, "--webhook-allowed-hosts", "hooks.example", "--webhook-backoff", "0.1") as served:
        hooks = _webhooks_after_send(served, target.url)
        attempts = [attempt for hook in hooks for attempt in hook["log"]]
        assert len(attempts) == len(hooks), "a refused host is not retried"
        assert all("webhook_allowed_hosts" in attempt["error"] for attempt in attempts), hooks
        assert target.received == []


# ------------------------------------------------------------------------- 4: unbounded resources


def test_a_huge_request_head_is_431_without_reading_it(sandbox: Served) -> None:
    head = b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sent = _send_until_refused(sock, head, 100 << 20)
        answer = b""
        while part := _recv(sock):
            answer += part
    assert sent < 16 << 20, f"{sent} bytes of one header were read"
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert time.monotonic() - started < 10
    assert httpx.get(sandbox.url + "/livez").status_code == 200


def _send_until_refused(sock: socket.socket, head: bytes, size: int) -> int:
    """Send `head`, then up to `size` bytes of one header value; how many were sent before the server
    closed the connection."""
    sock.sendall(head)
    chunk, sent = b"a" * (1 << 20), 0
    try:
        while sent < size:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        return sent
    pytest.fail(f"the server read a {size}-byte header whole")


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_idle_partial_requests_are_closed_and_the_server_keeps_answering(tmp_path: Path) -> None:
    with serve(tmp_path, "--head-timeout", "1", preexec=_limit_descriptors) as served:
        idle = []
        for index in range(300):  # more than the server has descriptors
            sock = socket.socket()
            sock.settimeout(10)
            sock.connect(("127.0.0.1", served.port))
            sock.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " if index % 2 else b"")
            idle.append(sock)
        try:
            # within a few seconds the partial requests are closed and a normal request is answered (while
            # descriptors run out, the server drops new connections at once)
            deadline = time.monotonic() + 15
            while True:
                try:
                    if httpx.get(served.url + "/livez", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server stopped answering"
                time.sleep(0.2)
            closed = 0
            for sock in idle[:20]:  # the earliest ones were surely accepted and have expired
                data = _recv(sock)
                closed += data == b"" or data.startswith(b"HTTP/1.1 408")
            assert closed == 20
        finally:
            for sock in idle:
                sock.close()


def _partial_post(served: Served, path: str, declared: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    sock.sendall(
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n{" % (path.encode(), declared)
    )
    return sock


def test_the_bodies_held_at_once_are_bounded(tmp_path: Path) -> None:
    mib = 1024 * 1024
    with serve(tmp_path, "--max-body-bytes", str(mib), "--max-buffered-bytes", str(2 * mib)) as served:
        held = [_partial_post(served, "/v1/send-sms/json", mib - 10) for _ in range(2)]
        time.sleep(0.5)
        try:
            busy = httpx.post(served.url + "/v1/send-sms/json", content=b"x" * (mib - 10))
            assert busy.status_code == 503
            assert busy.json()["response"]["status"]["code"] == 503
            control = httpx.post(served.url + "/_sandbox/accounts", content=b" " * (mib - 10), headers=JSON)
            assert control.status_code == 503
            assert "error" in control.json()
            # small requests go on as before
            assert httpx.post(served.url + "/v1/send-sms/json", content=_send_body(served)).status_code == 200
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.5)  # the closed requests give their bytes back
        again = httpx.post(served.url + "/v1/send-sms/json", content=b"x" * (mib - 10))
        assert again.status_code == 400, again.text  # read, and refused for what it is


def test_inbox_event_streams_are_capped(tmp_path: Path) -> None:
    with serve(tmp_path, "--max-event-streams", "3") as served:
        streams = []
        try:
            for _ in range(3):
                sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
                sock.sendall(b"GET /_sandbox/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert sock.recv(65536).startswith(b"HTTP/1.1 200"), "a stream within the cap opens"
                streams.append(sock)
            refused = httpx.get(served.url + "/_sandbox/events")
            assert refused.status_code == 503
            assert refused.headers["retry-after"]
            streams.pop().close()
            deadline = time.monotonic() + 5
            while True:  # the server notices the closed stream at its next poll
                with httpx.stream("GET", served.url + "/_sandbox/events") as response:
                    if response.status_code == 200:
                        break
                assert time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            for sock in streams:
                sock.close()


# ------------------------------------------------------------------------- 5: log injection


def test_request_values_cannot_forge_log_lines(sandbox: Served) -> None:
    forged = "%0AINFO:%20%20%20%20%20forged%20line%0D%0AERROR:%20%1b[31mred"
    with httpx.Client(base_url=sandbox.url) as http:
        assert http.get(f"/_sandbox/accounts{forged}", headers={"Host": "evil.example"}).status_code == 403
        origin = {"Origin": "http://evil.example"}
        assert http.post(f"/_sandbox/reset{forged}", headers=origin).status_code == 403
    time.sleep(0.3)
    log = sandbox.text()
    assert "refused a request for Host evil.example" in log
    assert "refused a cross-origin POST" in log
    lines = log.splitlines()
    assert not [line for line in lines if line.startswith(("INFO:     forged", "ERROR: "))], log
    assert "\x1b" not in log
    assert "\\nINFO:     forged line\\r\\nERROR: \\x1b[31mred" in log


def test_the_log_filter_escapes_every_argument() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.WARNING, __file__, 1, "%s %s %d", ("/a\nINFO: forged", b"\x1b[2J", 7), None
    )
    assert EscapeControls().filter(record)
    assert record.getMessage() == "/a\\nINFO: forged \\x1b[2J 7"


# ------------------------------------------------------------------------- h2c upgrade offers


def test_a_post_offering_an_h2c_upgrade_is_served(sandbox: Served) -> None:
    body = _send_body(sandbox, text="h2c ile merhaba")
    head = (
        b"POST /v1/send-sms/json HTTP/1.1\r\n"
        b"Host: 127.0.0.1:%d\r\n"
        b"User-Agent: curl/7.88.1\r\n"
        b"Accept: */*\r\n"
        b"Connection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\n"
        b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (sandbox.port, len(body))
    )  # exactly what `curl --http2 -d` sends
    answer = sandbox.raw(head + body)
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    _status, _, payload = answer.partition(b"\r\n\r\n")
    assert json.loads(payload)["response"]["status"]["code"] == 200
    assert [m["text"] for m in _messages(sandbox)] == ["h2c ile merhaba"]
    # a GET offering it, then a second request on the same connection: plain HTTP/1.1 throughout
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(
            b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
            b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while part := _recv(sock):
            received += part
    assert received.count(b"HTTP/1.1 200 ") == 2, received
    assert b"101 Switching" not in received
