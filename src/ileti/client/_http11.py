"""HTTP/1.1 framing without I/O: encode a request, parse a response fed in chunks.

Both default transports (blocking sockets and asyncio) use this one parser, so keep-alive, chunked bodies,
truncation and malformed responses are handled once. It covers what a JSON API client needs: one request
at a time per connection, `Content-Length`, `Transfer-Encoding: chunked` and read-until-close bodies.
"""

from __future__ import annotations

import functools

__all__ = ["MAX_HEAD", "ParseError", "ResponseParser", "encode_request"]

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024


class ParseError(Exception):
    """The bytes are not a valid HTTP/1.1 response (or the connection closed in the middle of one)."""


def encode_request(method: str, target: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    """One HTTP/1.1 request with a Content-Length body, as bytes ready for the socket."""
    head = _head(method, target, host, tuple(headers.items()))
    return b"%s%d\r\n\r\n%s" % (head, len(body), body)


@functools.lru_cache(maxsize=256)
def _head(method: str, target: str, host: str, headers: tuple[tuple[str, str], ...]) -> bytes:
    # a client sends the same few heads over and over: build each once
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append("Content-Length: ")
    return "\r\n".join(lines).encode("latin-1")


class ResponseParser:
    """Feed bytes in with `feed`; once `done`, read `status`, `headers`, `body` and `keep_alive`.

    `received_any` tells a connection dropped before the first byte (nothing came back) apart from one
    dropped in the middle of a response.
    """

    __slots__ = (
        "_buffer",
        "_chunk_remaining",
        "_chunked",
        "_length",
        "_received",
        "_state",
        "body_parts",
        "done",
        "headers",
        "keep_alive",
        "received_any",
        "status",
    )

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._state = "head"
        self._length: int | None = None
        self._chunked = False
        self._chunk_remaining = 0
        self._received = 0
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body_parts: list[bytes] = []
        self.keep_alive = True
        self.done = False
        self.received_any = False

    @property
    def body(self) -> bytes:
        return b"".join(self.body_parts)

    def feed(self, data: bytes) -> bool:
        """Add received bytes; True once the response is complete. Raises ParseError on bad framing."""
        if not self._buffer and data and self._state == "head":
            # the common case, a whole small response in one read: parse it without copying into the buffer
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                self.received_any = True
                interim = self._read_head(data[:end])
                rest = data[end + 4 :]
                if not interim and self._state == "body" and len(rest) == self._length:
                    self.body_parts.append(rest)
                    self._received = len(rest)
                    self.done = True
                    return True
                data = rest
        if data:
            self.received_any = True
            self._buffer += data
        while not self.done:
            if self._state == "head":
                if not self._parse_head():
                    return False
            elif self._state == "body":
                self._take_body()
                return self.done
            elif self._state == "chunk-size":
                if not self._parse_chunk_size():
                    return False
            elif self._state == "chunk-data":
                if not self._take_chunk():
                    return False
            elif self._state == "chunk-trailer":
                if not self._parse_trailer():
                    return False
            else:  # "until-close"
                self._take_until_close()
                return False
        return True

    def feed_eof(self) -> None:
        """The peer closed the connection. Completes a read-until-close body; anything else is truncated."""
        if self.done:
            return
        if self._state == "until-close":
            self._take_until_close()
            self.keep_alive = False
            self.done = True
            return
        if not self.received_any:
            raise ParseError("connection closed before any response")
        raise ParseError("connection closed in the middle of the response (truncated)")

    def _parse_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ParseError("response head too large")
            return False
        head = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        self._read_head(head)
        return True

    def _read_head(self, raw: bytes) -> bool:
        """Parse a status line and headers; True for an interim (1xx) response (the real one follows)."""
        head = raw.decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ParseError(f"malformed status line {status_line[:80]!r}")
        version, status = parts[0], int(parts[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise ParseError(f"malformed header line {line[:80]!r}")
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if 100 <= status < 200:
            # interim response (100 Continue): the real one follows
            return True
        self.status = status
        self.headers = headers
        connection = headers.get("connection", "").lower()
        self.keep_alive = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = True
            self._state = "chunk-size"
        elif "content-length" in headers:
            try:
                self._length = int(headers["content-length"])
            except ValueError:
                raise ParseError("invalid Content-Length") from None
            if self._length < 0 or self._length > MAX_BODY:
                raise ParseError("invalid Content-Length")
            self._state = "body"
        elif status in (204, 304):
            self._length = 0
            self._state = "body"
        else:
            self._state = "until-close"
            self.keep_alive = False
        return False

    def _take_body(self) -> None:
        assert self._length is not None
        take = self._length - self._received
        if take > 0 and self._buffer:
            chunk = bytes(self._buffer[:take])
            del self._buffer[:take]
            self.body_parts.append(chunk)
            self._received += len(chunk)
        if self._received >= self._length:
            self.done = True

    def _take_until_close(self) -> None:
        if self._buffer:
            self.body_parts.append(bytes(self._buffer))
            self._received += len(self._buffer)
            self._buffer.clear()
            if self._received > MAX_BODY:
                raise ParseError("response body too large")

    def _parse_chunk_size(self) -> bool:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > 1024:
                raise ParseError("malformed chunk size")
            return False
        line = bytes(self._buffer[:end]).split(b";", 1)[0].strip()
        del self._buffer[: end + 2]
        try:
            size = int(line, 16)
        except ValueError:
            raise ParseError("malformed chunk size") from None
        if size == 0:
            self._state = "chunk-trailer"
        else:
            self._chunk_remaining = size
            self._state = "chunk-data"
        return True

    def _take_chunk(self) -> bool:
        if self._chunk_remaining > 0:
            chunk = bytes(self._buffer[: self._chunk_remaining])
            del self._buffer[: len(chunk)]
            self.body_parts.append(chunk)
            self._chunk_remaining -= len(chunk)
            if self._chunk_remaining > 0:
                return False
        if len(self._buffer) < 2:
            return False
        if self._buffer[:2] != b"\r\n":
            raise ParseError("malformed chunk terminator")
        del self._buffer[:2]
        self._state = "chunk-size"
        return True

    def _parse_trailer(self) -> bool:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            return False
        del self._buffer[: end + 2]
        if end == 0:
            self.done = True
        return True
