"""Where a request goes (`sandbox/routes.py`): every path under /v1 is the API's, the access check guards
`/_sandbox`, everything under it and the page `/`, and nothing else."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from ileti.codes import Code
from ileti.sandbox import Settings, create_app
from ileti.sandbox.control.access import COOKIE
from ileti.testing import SandboxServer

from .conftest import Api

TOKEN = "routing-test-token-0123456789"
NOT_FOUND = {"response": {"status": {"code": 404, "message": Code.NOT_FOUND.message}}}


def test_every_path_under_v1_is_the_apis(api: Api) -> None:
    for path in ("/v1/send-sms/json%0A", "/v1/a%0Ab/json", "/v1//send-sms/json"):
        response = api.http.post(path, json={})
        assert response.status_code == 404, path
        assert response.json() == NOT_FOUND, path
    for path in ("/v1", "/v1/", "/v1/a%0Ab"):  # not a /json path: the envelope in XML
        response = api.http.post(path, json={})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/xml"), path
        assert "<code>404</code>" in response.text, path
    # a method no API route takes is Starlette's 405, as before the API had its own mount
    response = api.http.request("TRACE", "/v1/send-sms/json")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    allowed = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    assert set(response.headers["allow"].split(", ")) == allowed


@pytest.fixture(scope="module")
def guarded() -> Iterator[SandboxServer]:
    with SandboxServer(control_token=TOKEN) as server:
        yield server


@pytest.mark.parametrize("path", ["/", "/_sandbox", "/_sandbox/", "/_sandbox/nope", "/_sandbox/a%0Ab"])
def test_the_control_paths_need_the_token_even_where_nothing_answers(
    guarded: SandboxServer, path: str
) -> None:
    refused = httpx.get(guarded.url + path)
    assert refused.status_code == 401, path
    assert refused.headers["www-authenticate"] == 'Bearer realm="ileti sandbox"'


def test_the_other_paths_are_not_guarded(guarded: SandboxServer) -> None:
    assert httpx.get(guarded.url + "/livez").status_code == 200
    assert httpx.get(guarded.url + "/readyz").status_code == 200
    assert httpx.get(guarded.url + "/_sandboxx").status_code == 404  # a sibling of /_sandbox, not under it
    api = httpx.post(guarded.url + "/v1/get-balance/json", json={})  # the API's own refusal, in its envelope
    assert api.status_code == 400
    assert api.json()["response"]["status"]["code"] == 400


def test_the_access_check_runs_before_the_route(guarded: SandboxServer) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    # the page takes GET only, but a cross-origin POST meets the access check first
    cross = httpx.post(guarded.url + "/", headers={**bearer, "Origin": "http://attacker.example"})
    assert cross.status_code == 403
    assert httpx.post(guarded.url + "/", headers=bearer).status_code == 405
    # a 404 under /_sandbox answers inside the check: a token from the query still sets the cookie
    missing = httpx.get(guarded.url + "/_sandbox/nope", params={"token": TOKEN})
    assert missing.status_code == 404
    assert missing.cookies[COOKIE] == TOKEN
    page = httpx.get(guarded.url + "/", params={"token": TOKEN})
    assert page.status_code == 200
    assert page.cookies[COOKIE] == TOKEN


def test_the_access_check_holds_under_a_root_path(tmp_path: Path) -> None:
    """Behind a proxy that mounts the sandbox under a prefix (uvicorn's `root_path`), the control API and the
    page still need the token."""
    settings = Settings(db=str(tmp_path / "sandbox.db"), control_token=TOKEN)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), root_path="/api", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.01)
        for path in ("/", "/_sandbox/accounts", "/_sandbox/inbox/overview"):
            assert httpx.get(url + path).status_code == 401, path
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(url + "/_sandbox/accounts", headers=bearer).status_code == 200
        assert httpx.get(url + "/readyz").status_code == 200
        assert httpx.post(url + "/v1/nope/json", json={}).json() == NOT_FOUND
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
