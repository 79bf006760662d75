"""Fixtures every test gets: pytest-httpserver on 127.0.0.1, and no test reaching beyond this
machine. Helpers to import are in helpers.py, fake services in fakes/."""

from __future__ import annotations

import ipaddress
import socket

import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver on 127.0.0.1 (localhost may resolve to ::1)."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                ip = None
            if host != "localhost" and (ip is None or not ip.is_loopback):
                raise AssertionError(f"test tried to connect to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
