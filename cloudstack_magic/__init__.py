"""cloudstack-magic: an async Apache CloudStack client, ``%cloudstack`` magics and a simulator.

The public names are re-exported here; every module behind them is private.
"""

from __future__ import annotations

from ._events import JobProgress, PageProgress
from ._spec import Api, Param, Spec, packaged_spec

__version__ = "0.1.0"


def load_ipython_extension(shell: object) -> None:
    """``%load_ext cloudstack_magic``: register ``%cloudstack`` (IPython is imported only now)."""
    from ._extension import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: object) -> None:
    """``%unload_ext cloudstack_magic``: remove everything loading added and close the clients."""
    from ._extension import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "Api",
    "JobProgress",
    "PageProgress",
    "Param",
    "Spec",
    "__version__",
    "load_ipython_extension",
    "packaged_spec",
    "unload_ipython_extension",
]
