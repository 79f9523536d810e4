"""HTTPS, as the live API speaks it: both default transports against a local TLS server with its own CA."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import ileti
from ileti.client import errors as e

from .fakeapi import FakeApi


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_api(certificate: tuple[Path, Path]) -> Iterator[FakeApi]:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(*map(str, certificate))
    api = FakeApi(tls=server_context)
    yield api
    api.close()


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def test_sync_client_over_tls(tls_api: FakeApi, certificate: tuple[Path, Path]) -> None:
    with ileti.Client("k", "h", base_url=tls_api.url, ssl_context=trusting(certificate[0])) as client:
        assert client.get_balance().sms == 18343
        assert client.get_balance().sms == 18343
    assert tls_api.connections == 1


async def test_async_client_over_tls(tls_api: FakeApi, certificate: tuple[Path, Path]) -> None:
    async with ileti.AsyncClient(
        "k", "h", base_url=tls_api.url, ssl_context=trusting(certificate[0])
    ) as client:
        assert (await client.get_balance()).sms == 18343
        assert (await client.get_balance()).sms == 18343
    assert tls_api.connections == 1


def test_untrusted_certificate_is_a_connect_error(tls_api: FakeApi) -> None:
    client = ileti.Client("k", "h", base_url=tls_api.url, retry=ileti.RetryPolicy(max_attempts=1))
    with client, pytest.raises(e.ConnectError, match="certificate"):
        client.get_balance()


async def test_untrusted_certificate_is_a_connect_error_async(tls_api: FakeApi) -> None:
    async with ileti.AsyncClient(
        "k", "h", base_url=tls_api.url, retry=ileti.RetryPolicy(max_attempts=1)
    ) as client:
        with pytest.raises(e.ConnectError, match="certificate"):
            await client.get_balance()
