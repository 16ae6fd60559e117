"""The suite runs with the outside network blocked (tests/network_guard.py, installed for the
session by tests/conftest.py); loopback still works, for PostgreSQL, Redis, SMTP and servers
the tests start."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.network_guard import OutsideNetworkRefused, is_local

OUTSIDE = [
    ("203.0.113.10", 443),  # TEST-NET-3: never routed, and never tried
    ("8.8.8.8", 53),
    ("10.0.0.1", 80),
    ("2001:db8::1", 443, 0, 0),
    ("::ffff:203.0.113.10", 443, 0, 0),
    ("www.w3.org", 443),  # a name: refused before it is looked up
]


@pytest.mark.parametrize("address", OUTSIDE, ids=lambda a: str(a[0]))
def test_connecting_outside_is_refused_with_a_clear_error(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(OutsideNetworkRefused, match="outside network blocked"):
            sock.connect(address)
        with pytest.raises(OutsideNetworkRefused):
            sock.connect_ex(address)
    with pytest.raises(OutsideNetworkRefused, match="outside network blocked"):
        socket.create_connection(address[:2], timeout=1)


def test_a_library_going_outside_is_refused():
    """What pyld's remote loader or an HTTP client would do: the refusal is an OSError."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy either
    with pytest.raises(OSError):
        opener.open("https://www.w3.org/ns/credentials/v2", timeout=1)


@pytest.mark.parametrize(
    "address",
    [("127.0.0.1", 1), ("127.1.2.3", 1), ("localhost", 1), ("::1", 1, 0, 0), "/run/lms/x.sock"],
    ids=str,
)
def test_loopback_and_unix_sockets_are_local(address):
    assert is_local(address)


def test_a_loopback_server_is_reached():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted: list[bytes] = []

        def serve() -> None:
            connection, _ = server.accept()
            with connection:
                accepted.append(connection.recv(5))

        thread = threading.Thread(target=serve)
        thread.start()
        with socket.create_connection(("localhost", port), timeout=5) as client:
            client.sendall(b"hello")
        thread.join(timeout=5)
    assert accepted == [b"hello"]
