"""Suite-wide settings: headless Qt, and no network for anything the tests run."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class NetworkBlocked(OSError):
    """A test tried to reach the network; the product must work offline, so that is a bug."""


_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_local_host(host: Any) -> bool:
    if host is None:  # getaddrinfo(None, port): a local, passive address
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_local_address(family: int, address: Any) -> bool:
    """AF_UNIX paths (Qt, multiprocessing) and loopback addresses are fine; nothing else."""
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, (str, bytes)):
        return True
    return isinstance(address, tuple) and bool(address) and _is_local_host(address[0])


def _refuse(what: str, target: Any) -> NetworkBlocked:
    return NetworkBlocked(
        f"network access blocked during tests: {what} {target!r} (nmf-annotator must work "
        "offline; use loopback or AF_UNIX if a test needs a socket)"
    )


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """Every outgoing connection, datagram or name lookup beyond this machine fails loudly.

    Covers this process (the in-process CLI, the GUI, torch/transformers, hypothesis); child
    processes a test starts are not covered.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sendto, real_getaddrinfo = socket.socket.sendto, socket.getaddrinfo
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local_address(self.family, address):
            raise _refuse("connect to", address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_local_address(self.family, address):
            raise _refuse("connect to", address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        address = args[-1]
        if not _is_local_address(self.family, address):
            raise _refuse("send a datagram to", address)
        return real_sendto(self, data, *args)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local_host(host):
            raise _refuse("look up", host)
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not (isinstance(address, tuple) and _is_local_host(address[0])):
            raise _refuse("connect to", address)
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket.socket, "sendto", sendto)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(socket, "create_connection", create_connection)
        yield
