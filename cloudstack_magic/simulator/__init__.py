"""An embedded Apache CloudStack API simulator built on ``aiohttp.web``.

It checks requests the way CloudStack's ``ApiServlet``/``ApiServer`` do (it never imports the
client's signing code), knows all 705 APIs of the shipped 4.18 spec, simulates a seeded cloud's
inventory, VM lifecycle jobs, volumes, snapshots and tags, and injects faults on demand.
Run it with ``async with Simulator(...)``, ``with SimulatorThread(...)``, or from a shell with
``cloudstack-magic simulate`` / ``python -m cloudstack_magic.simulator``.
"""

from __future__ import annotations

from .app import make_app
from .runtime import DEMO_API_KEY, DEMO_SECRET_KEY, Settings
from .server import Simulator, SimulatorThread

__all__ = ["DEMO_API_KEY", "DEMO_SECRET_KEY", "Settings", "Simulator", "SimulatorThread", "make_app"]
