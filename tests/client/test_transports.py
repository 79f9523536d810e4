"""The default transports (urllib3, aiohttp): HTTP framing, failure classification, proxies, TLS trust,
quiet logging. Proxies are tested through a real forwarding proxy (`proxy.py`) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import ssl
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import ileti
from ileti.client import _aiohttp, _transport, _urllib3
from ileti.client import errors as e
from ileti.client._transport import Proxies

from . import fakeapi as f
from .conftest import FAST_RETRY, ClientFactory
from .proxy import ForwardingProxy
from .test_tls import certificate, tls_api, trusting

__all__ = ["certificate", "tls_api"]  # fixtures shared with test_tls


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy()
    yield server
    server.close()


# --- framing and failures, both transports ----------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(f.envelope()), f.envelope()),
        b"HTTP/1.1 100 Continue\r\n\r\n" + f.http(200, f.envelope()),
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + f.envelope(),  # body until close
        f.http(200, f.envelope(), extra="Connection: close\r\n"),
    ],
    ids=["chunked-with-trailer", "100-continue", "until-close", "connection-close"],
)
async def test_http_framing(make_client: ClientFactory, fake_api: f.FakeApi, response: bytes) -> None:
    client = make_client(base_url=fake_api.url, retry=ileti.RetryPolicy(max_attempts=1))
    fake_api.script("cancel-order", f.raw(response))
    assert await client.cancel_order(1) is None
    await asyncio.sleep(0.02)  # the scripted server closes after a raw answer; let the close arrive
    assert await client.cancel_order(2) is None  # the next call gets a working connection


async def test_malformed_http_may_have_reached_the_server(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="S")
    fake_api.script("send-sms", f.raw(b"SMTP ready\r\n\r\n"))
    with pytest.raises(e.TransportError) as info:
        await client.send_sms("5301234567", "x")
    assert info.value.may_have_reached_server
    assert len(fake_api.calls("send-sms")) == 1  # not retried


async def test_a_failed_exchange_gives_its_pool_slot_back(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(
        base_url=fake_api.url,
        limits=ileti.Limits(max_connections=1),
        timeout=ileti.Timeout(5, pool=1),
        retry=ileti.RetryPolicy(max_attempts=1),
    )
    fake_api.script(
        "get-balance",
        f.raw(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"response": {'),
        f.drop(),
        f.raw(b"garbage\r\n\r\n"),
    )
    for _ in range(3):
        with pytest.raises(e.TransportError):
            await client.get_balance()
    for _ in range(3):
        assert (await client.get_balance()).sms == 18343


@pytest.mark.parametrize("table", [_urllib3.ERRORS, _urllib3.BODY_ERRORS, _aiohttp.ERRORS])
def test_no_row_of_an_error_table_is_shadowed_by_an_earlier_one(table: _transport.ErrorTable) -> None:
    for i, (earlier, _, _) in enumerate(table):
        for later, _, _ in table[i + 1 :]:
            assert not issubclass(later, earlier), f"{later.__name__} is caught by {earlier.__name__} first"


def test_the_tables_answer_may_have_reached_server_as_the_error_tree_says() -> None:
    import aiohttp
    import urllib3.exceptions as u3

    refused = u3.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert not _transport.classify(refused, _urllib3.ERRORS).may_have_reached_server  # type: ignore[union-attr]
    lost = _transport.classify(u3.ProtocolError("reset"), _urllib3.ERRORS)
    assert isinstance(lost, e.ConnectionLostError)
    assert lost.may_have_reached_server
    gone = _transport.classify(aiohttp.ServerDisconnectedError(), _aiohttp.ERRORS)
    assert isinstance(gone, e.ConnectionLostError)
    assert _transport.classify(KeyError("x"), _aiohttp.ERRORS) is None


# --- proxies from the environment, as requests and urllib read them ----------------------------------------


def test_proxy_selection_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://upper:1")
    monkeypatch.setenv("http_proxy", "http://lower:1")  # lower case wins, as in urllib and requests
    monkeypatch.setenv("ALL_PROXY", "corp:3128")  # no scheme: http://
    monkeypatch.setenv("NO_PROXY", "localhost, .internal.example, 10.0.0.0/8, api.test:8443")
    proxies = Proxies()
    assert proxies.for_url("http://api.example/v1") == "http://lower:1"
    assert proxies.for_url("https://api.example/v1") == "http://corp:3128"  # no https_proxy: all_proxy
    assert proxies.for_url("http://localhost:8080/") is None
    assert proxies.for_url("https://sms.internal.example/") is None
    assert proxies.for_url("http://10.1.2.3/") is None  # CIDR, as requests reads it
    assert proxies.for_url("http://11.1.2.3/") == "http://lower:1"
    assert proxies.for_url("https://api.test:8443/") is None
    assert proxies.for_url("https://api.test/") == "http://corp:3128"
    assert Proxies(trust_env=False).for_url("http://api.example/") is None
    assert Proxies("proxy.corp:8080").for_url("http://localhost/") == "http://proxy.corp:8080"  # explicit
    monkeypatch.setenv("no_proxy", "*")
    assert Proxies().for_url("http://api.example/") is None


async def test_plain_http_goes_through_the_proxy_from_the_environment(
    make_client: ClientFactory, fake_api: f.FakeApi, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = make_client(base_url=fake_api.url, sender="S")
    assert (await client.send_sms("5301234567", "via proxy")).id == 12323232
    assert (await client.get_balance()).sms == 18343
    assert [seen.line for seen in proxy.seen] == [
        f"POST {fake_api.url}/v1/send-sms/json HTTP/1.1",
        f"POST {fake_api.url}/v1/get-balance/json HTTP/1.1",
    ]
    assert fake_api.calls("send-sms")[0]["request"]["order"]["message"][0]["text"] == "via proxy"


async def test_https_is_tunnelled_with_connect(
    make_client: ClientFactory,
    tls_api: f.FakeApi,
    certificate: tuple[Path, Path],
    proxy: ForwardingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", proxy.url)
    client = make_client(base_url=tls_api.url, ssl_context=trusting(certificate[0]))
    for _ in range(3):
        assert (await client.get_balance()).sms == 18343
    # one tunnel, kept alive (http.client says HTTP/1.0 on a CONNECT line, aiohttp HTTP/1.1)
    assert [seen.line.rpartition(" ")[0] for seen in proxy.seen] == [f"CONNECT 127.0.0.1:{tls_api.port}"]
    assert len(tls_api.calls("get-balance")) == 3


async def test_no_proxy_and_trust_env_false_go_direct(
    make_client: ClientFactory, fake_api: f.FakeApi, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    await make_client(base_url=fake_api.url, trust_env=False).get_balance()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    await make_client(base_url=fake_api.url).get_balance()
    assert proxy.seen == []
    assert len(fake_api.calls("get-balance")) == 2


async def test_an_explicit_proxy_with_credentials(
    make_client: ClientFactory, fake_api: f.FakeApi, proxy: ForwardingProxy
) -> None:
    proxy.require_auth = "Basic " + base64.b64encode(b"ali:s3cr@t").decode()
    url = proxy.url.replace("http://", "http://ali:s3cr%40t@")
    client = make_client(base_url=fake_api.url, proxy=url)
    assert (await client.get_balance()).sms == 18343
    assert proxy.seen[0].authorization == proxy.require_auth


async def test_an_unreachable_proxy_is_a_connect_error_even_for_send_sms(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="S", proxy="http://127.0.0.1:9", retry=FAST_RETRY)
    with pytest.raises(e.ConnectError) as info:
        await client.send_sms("5301234567", "x")
    assert not info.value.may_have_reached_server
    assert fake_api.requests == []


async def test_a_proxy_that_refuses_the_tunnel_is_a_connect_error(
    make_client: ClientFactory, tls_api: f.FakeApi, certificate: tuple[Path, Path], proxy: ForwardingProxy
) -> None:
    proxy.require_auth = "Basic nobody"
    client = make_client(
        base_url=tls_api.url, proxy=proxy.url, ssl_context=trusting(certificate[0]), retry=FAST_RETRY
    )
    with pytest.raises(e.ConnectError) as info:
        await client.get_balance()
    assert not info.value.may_have_reached_server


async def test_a_socks_proxy_is_refused_clearly(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(base_url=fake_api.url, proxy="socks5://user:pw@127.0.0.1:1080", retry=FAST_RETRY)
    with pytest.raises(e.ConnectError, match="only http:// and https:// proxies") as info:
        await client.get_balance()
    assert "pw" not in str(info.value)


def test_proxy_and_transport_together_are_refused() -> None:
    with pytest.raises(ValueError, match="pass them to yours"):
        ileti.Client("k", "h", transport=_urllib3.HTTPTransport(), proxy="http://p:1")


# --- TLS trust without a system store ------------------------------------------------------------------


def test_certifi_is_used_when_python_has_no_trust_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    bare = ssl.create_default_context()
    assert bare.cert_store_stats()["x509_ca"] == 0  # what such a Python gives: nothing to verify against
    context = _transport._build_ssl_context()
    assert context.cert_store_stats()["x509_ca"] > 100  # certifi's Mozilla bundle
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


async def test_the_default_trust_falls_back_to_certifi_end_to_end(
    make_client: ClientFactory,
    tls_api: f.FakeApi,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No ssl_context and no system store: the certificate is trusted because certifi's bundle (here pointed
    at the test CA) is loaded; with the fallback disabled the same call fails the handshake."""
    import certifi

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    monkeypatch.setattr(certifi, "where", lambda: str(certificate[0]))
    _transport.default_ssl_context.cache_clear()
    try:
        client = make_client(base_url=tls_api.url)
        assert (await client.get_balance()).sms == 18343
        _transport.default_ssl_context.cache_clear()
        monkeypatch.setattr(_transport, "_system_store_found", lambda context: True)
        with pytest.raises(e.ConnectError):
            await make_client(base_url=tls_api.url, retry=ileti.RetryPolicy(max_attempts=1)).get_balance()
    finally:
        _transport.default_ssl_context.cache_clear()


# --- quiet by default ------------------------------------------------------------------------------------


def test_a_retry_prints_nothing_in_an_application_without_logging_config(fake_api: f.FakeApi) -> None:
    script = textwrap.dedent(
        f"""
        import ileti
        client = ileti.Client("k", "h", base_url={fake_api.url!r},
                              retry=ileti.RetryPolicy(backoff_initial=0.001, backoff_max=0.001))
        print(client.get_balance().sms)
        """
    )
    fake_api.script("get-balance", f.status(503))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "18343"
    assert len(fake_api.calls("get-balance")) == 2  # it did retry
    assert done.stderr == ""


def test_aiohttp_is_imported_only_by_an_async_client() -> None:
    script = textwrap.dedent(
        """
        import sys
        import ileti
        ileti.Client("k", "h").close()
        print("aiohttp" in sys.modules)
        ileti.AsyncClient("k", "h")
        print("aiohttp" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "True"], done.stderr
