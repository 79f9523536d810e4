"""The sans-I/O HTTP/1.1 response parser shared by both transports."""

from __future__ import annotations

import pytest

from ileti.client._http11 import ParseError, ResponseParser, encode_request


def feed_bytewise(data: bytes) -> ResponseParser:
    parser = ResponseParser()
    for i in range(len(data)):
        if parser.feed(data[i : i + 1]):
            break
    return parser


def test_request_is_encoded_with_host_and_length() -> None:
    wire = encode_request(
        "POST", "/v1/get-balance/json", "api.example:8080", {"Accept": "application/json"}, b"{}"
    )
    assert wire == (
        b"POST /v1/get-balance/json HTTP/1.1\r\nHost: api.example:8080\r\nAccept: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )


def test_content_length_body_fed_byte_by_byte() -> None:
    parser = feed_bytewise(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello")
    assert parser.done
    assert parser.status == 200
    assert parser.body == b"hello"
    assert parser.keep_alive
    assert parser.headers["x-a"] == "b"


def test_chunked_body_with_trailer() -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX: y\r\n\r\n"
    )
    parser = feed_bytewise(data)
    assert parser.done
    assert parser.body == b"abcde"


def test_body_until_close_completes_on_eof() -> None:
    parser = ResponseParser()
    assert not parser.feed(b"HTTP/1.0 503 Service Unavailable\r\n\r\n<html>busy</html>")
    parser.feed_eof()
    assert parser.done
    assert parser.body == b"<html>busy</html>"
    assert not parser.keep_alive


def test_interim_100_continue_is_skipped() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert parser.status == 200
    assert parser.body == b"{}"


def test_connection_close_header_disables_keep_alive() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    assert parser.done
    assert not parser.keep_alive


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "before any response"),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a"', "truncated"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "truncated"),
    ],
    ids=["nothing", "short-body", "short-head"],
)
def test_eof_before_the_end_is_an_error(data: bytes, message: str) -> None:
    parser = ResponseParser()
    parser.feed(data)
    with pytest.raises(ParseError, match=message):
        parser.feed_eof()


@pytest.mark.parametrize(
    "data",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["not-http", "header", "length", "chunk-size"],
)
def test_malformed_responses_raise(data: bytes) -> None:
    with pytest.raises(ParseError):
        ResponseParser().feed(data)
