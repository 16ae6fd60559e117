"""The suite runs with the outside network blocked: a connect to any address that is not
loopback (127.0.0.0/8, ::1, ``localhost``) or a unix socket raises ``OutsideNetworkRefused``
(an ``OSError``, as a refused connection would), with the address in the message.

Installed for the whole session by ``tests/conftest.py``. It patches Python's sockets
(``socket.socket.connect`` and ``connect_ex``, which ``ssl``, ``smtplib``, ``redis`` and
``asyncio`` all go through, and ``socket.create_connection``, refused before any name is
looked up); libpq (psycopg) and child processes (gunicorn, chromium, node) connect from C or
from another process and are not covered: they reach only the local services in the tests.
"""

from __future__ import annotations

import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_create_connection = socket.create_connection

LOCAL_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})


class OutsideNetworkRefused(ConnectionRefusedError):
    """A test tried to reach an address outside this machine."""


def is_local(address, family: int | None = None) -> bool:
    """Loopback or a unix socket (an address that never leaves the machine)."""
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, str | bytes):
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # any other name would need DNS, and DNS is outside
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _refuse(address) -> OutsideNetworkRefused:
    return OutsideNetworkRefused(
        f"the test suite runs with the outside network blocked: connecting to {address!r} "
        "was refused (only loopback and unix sockets; see tests/network_guard.py)"
    )


def _guarded_connect(self, address):
    if not is_local(address, self.family):
        raise _refuse(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if not is_local(address, self.family):
        raise _refuse(address)
    return _connect_ex(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    if not is_local(address):
        raise _refuse(address)
    return _create_connection(address, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.create_connection = _guarded_create_connection


def uninstall() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.create_connection = _create_connection
