"""The suite-wide network block of ``tests/conftest.py``: the outside refused, loopback kept."""

from __future__ import annotations

import socket
import threading
import urllib.request

import pytest

from tests.conftest import NetworkBlocked

OUTSIDE = ("203.0.113.7", 80)  # TEST-NET-3: never routed, so no real traffic even if unblocked


def test_outside_connections_and_lookups_fail_loudly() -> None:
    with pytest.raises(NetworkBlocked, match="network access blocked during tests"):
        socket.create_connection(OUTSIDE, timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect(OUTSIDE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkBlocked):
        sock.sendto(b"x", OUTSIDE)
    with pytest.raises(NetworkBlocked, match="look up 'huggingface.co'"):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(OSError, match="network access blocked"):
        urllib.request.urlopen("http://example.com/", timeout=1)


def test_loopback_and_unix_sockets_still_work() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(("localhost", port), timeout=5):
            pass
        accepted.join(5)
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
    assert socket.getaddrinfo("localhost", 80)
