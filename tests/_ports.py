"""A loopback port nothing listens on, for tests of unreachable endpoints."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port nobody listens on, held while the block runs: bound but never listening,
    so a connection to it is refused at once, and no socket opened meanwhile (a simulator, a
    kernel's ZMQ channels) can be given it. A port bound and released at once was taken by the
    corpus kernel once, and the "unreachable" case met a ZMQ greeting instead."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])
