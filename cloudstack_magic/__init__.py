"""cloudstack-magic: an async Apache CloudStack client, ``%cloudstack`` magics and a simulator.

The public names are re-exported here; every module behind them is private.
"""

from __future__ import annotations

from ._events import JobProgress, PageProgress
from ._spec import Api, Param, Spec, packaged_spec

__version__ = "0.1.0"

__all__ = [
    "Api",
    "JobProgress",
    "PageProgress",
    "Param",
    "Spec",
    "__version__",
    "packaged_spec",
]
