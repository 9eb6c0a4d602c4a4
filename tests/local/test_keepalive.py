"""local.keepalive: werkzeug's server keeping a connection from one request to the next."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from local.keepalive import serve_keep_alive, stop_keep_alive


class _Echo:
    """Answers how much of the body it read; `/ignore` reads none of it."""

    def __init__(self) -> None:
        self.peers: list[Any] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.peers.append(environ.get("REMOTE_PORT"))
        body = b"" if environ["PATH_INFO"] == "/ignore" else environ["wsgi.input"].read()
        answer = f"{environ['PATH_INFO']} {len(body)}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
        return [answer]


@pytest.fixture
def served() -> Iterator[tuple[Any, _Echo]]:
    app = _Echo()
    server = serve_keep_alive("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, app
    stop_keep_alive(server)
    thread.join(timeout=10)


def _connection(server: Any) -> http.client.HTTPConnection:
    host, port = server.server_address[:2]
    return http.client.HTTPConnection(host, port, timeout=10)


def _ask(
    connection: http.client.HTTPConnection, path: str, body: bytes | None = None, **headers: str
) -> tuple[str, str | None]:
    connection.request("POST" if body is not None else "GET", path, body=body, headers=headers)
    answer = connection.getresponse()
    return answer.read().decode(), answer.getheader("Connection")


def test_requests_share_one_connection(served: tuple[Any, _Echo]) -> None:
    server, app = served
    connection = _connection(server)
    assert _ask(connection, "/one", b"abc") == ("/one 3", None)
    assert _ask(connection, "/two") == ("/two 0", None)
    assert _ask(connection, "/three", b"x" * 5000) == ("/three 5000", None)
    assert len(set(app.peers)) == 1  # the same client port: one TCP connection for all three


def test_a_body_left_unread_does_not_become_the_next_request(served: tuple[Any, _Echo]) -> None:
    server, _ = served
    connection = _connection(server)
    assert _ask(connection, "/ignore", b"GET /smuggled HTTP/1.1\r\n\r\n") == ("/ignore 0", None)
    assert _ask(connection, "/after", b"ok") == ("/after 2", None)


def test_a_chunked_body_closes_its_connection(served: tuple[Any, _Echo]) -> None:
    server, _ = served
    connection = _connection(server)
    connection.putrequest("POST", "/chunked")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    connection.send(b"3\r\nabc\r\n0\r\n\r\n")
    answer = connection.getresponse()
    assert answer.read() == b"/chunked 3"
    assert answer.getheader("Connection") == "close"


def test_a_client_asking_to_close_is_answered_so(served: tuple[Any, _Echo]) -> None:
    server, app = served
    connection = _connection(server)
    assert _ask(connection, "/bye", b"", Connection="close") == ("/bye 0", "close")
    assert _ask(connection, "/again") == ("/again 0", None)  # http.client reconnects
    assert len(set(app.peers)) == 2


def test_stopping_the_server_closes_the_connections_it_kept() -> None:
    server = serve_keep_alive("127.0.0.1", 0, _Echo())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kept = socket.create_connection(server.server_address[:2], timeout=10)
    kept.sendall(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n")
    answered = b""
    while not answered.endswith(b"/kept 0"):  # the headers and the body may come in two reads
        answered += kept.recv(4096)
    stop_keep_alive(server)
    thread.join(timeout=10)
    assert kept.recv(4096) == b""  # closed by the server: a stopped server answers nothing more
    kept.close()
