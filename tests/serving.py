"""Serve an ASGI app on a free loopback port in a background thread, for tests over a real socket.

The server itself lives in the package (`hpl_sandbox.testing`), where users' tests reach it too."""

from __future__ import annotations

import socket

from hpl_sandbox.testing import ThreadedServer, serve

__all__ = ["ThreadedServer", "free_port", "serve"]


def free_port() -> int:
    """A port that was free a moment ago (for a target that must refuse connections)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
