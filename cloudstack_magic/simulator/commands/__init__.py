"""The command table: API name -> handler, merged from the handler modules by area.

Handlers are plain functions listed as data in each module's ``COMMANDS``; nothing registers
itself on import. ``make_app`` takes this table (tests may pass a smaller or larger one).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..dispatch import Handler
from . import accounts, capacity, images, inventory, network, storage, vms

__all__ = ["COMMAND_TABLE"]

#: Every simulated command; an API of the spec that is missing here answers 432.
COMMAND_TABLE: Mapping[str, Handler] = {
    **inventory.COMMANDS, **network.COMMANDS, **capacity.COMMANDS, **vms.COMMANDS, **storage.COMMANDS,
    **accounts.COMMANDS, **images.COMMANDS,
}
