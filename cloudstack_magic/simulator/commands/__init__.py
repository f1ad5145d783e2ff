"""Command handlers by area; importing this package registers them in ``dispatch.HANDLERS``."""

from __future__ import annotations

from . import inventory
from . import storage
from . import vms

__all__ = ["inventory", "storage", "vms"]
