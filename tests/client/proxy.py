"""A small forwarding HTTP proxy for client tests: absolute-form requests are forwarded, CONNECT is tunnelled.

It records what it saw (`seen`: the request line and the `Proxy-Authorization` header of each request) so a
test can tell a proxied call from a direct one. Only 127.0.0.1 upstreams are allowed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Seen:
    line: str
    authorization: str | None


@dataclass
class ForwardingProxy:
    seen: list[Seen] = field(default_factory=list)
    require_auth: str | None = None  # a `Proxy-Authorization` value; others get 407

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._open.append(sock)
        return sock

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            self._spawn(self._serve, self._track(client))

    def _serve(self, client: socket.socket) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = client.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                auth = headers.get("proxy-authorization")
                with self._lock:
                    self.seen.append(Seen(lines[0], auth))
                if self.require_auth is not None and auth != self.require_auth:
                    client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    return
                method, target, _ = lines[0].split(" ", 2)
                if method == "CONNECT":
                    self._tunnel(client, target, buffer)
                    return
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += client.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                if not self._forward(client, method, target, lines[1:], body):
                    return
        except OSError:
            return
        finally:
            client.close()

    def _forward(
        self, client: socket.socket, method: str, target: str, header_lines: list[str], body: bytes
    ) -> bool:
        """One absolute-form request, sent upstream on a fresh connection; the whole answer relayed."""
        url = urlsplit(target)
        if url.hostname != "127.0.0.1" or url.port is None:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return False
        path = url.path + (f"?{url.query}" if url.query else "")
        kept = [line for line in header_lines if not line.lower().startswith(("proxy-", "connection"))]
        request = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close", "", ""]).encode()
        with socket.create_connection(("127.0.0.1", url.port), timeout=10) as upstream:
            upstream.sendall(request + body)
            answer = b""
            while b"\r\n\r\n" not in answer and (data := upstream.recv(65536)):
                answer += data
            head, _, rest = answer.partition(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while (length is None or len(rest) < length) and (data := upstream.recv(65536)):
                rest += data
        # this hop closes after each answer, which keeps the framing simple
        head_lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection")]
        client.sendall(b"\r\n".join([*head_lines, b"Connection: close"]) + b"\r\n\r\n" + rest)
        return False

    def _tunnel(self, client: socket.socket, target: str, early: bytes) -> None:
        host, _, port = target.rpartition(":")
        if host != "127.0.0.1":
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = self._track(socket.create_connection((host, int(port)), timeout=10))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if early:
            upstream.sendall(early)
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                done.set()

        self._spawn(pump, upstream, client)
        pump(client, upstream)
        done.wait(timeout=10)
        upstream.close()
