"""cloudstack-magic: an async Apache CloudStack client, ``%cloudstack`` magics and a simulator.

The public names are re-exported here; every module behind them is private. They load on first
access (module ``__getattr__``, PEP 562): ``import cloudstack_magic`` and ``%load_ext
cloudstack_magic`` import neither aiohttp nor pandas — the client and the frames load when
first used. Each public name reports this package as its ``__module__`` (reprs, tracebacks and
pickles name ``cloudstack_magic.X``, the documented import, not a private module).
"""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudStackClientException,
    CommandError,
    ConfigError,
    ConnectError,
    InvalidParameterError,
    InvalidResponseError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    ListChangedError,
    MissingParameterError,
    RequestTimeout,
    ServerError,
    ThrottledError,
    TransportError,
    UnknownCommandError,
    abandoned_job,
)

if TYPE_CHECKING:
    from .client._client import CloudStack
    from .client._events import JobProgress, PageProgress
    from .client._options import ClientOptions
    from .client._paging import ListChangedWarning
    from .client._transport import PreparedRequest
    from .config._regions import Region, list_regions, load_region
    from .spec._spec import Api, Param, Spec, packaged_spec

#: Where each lazily loaded public name lives (the exceptions above are light: loaded at once).
_LAZY: dict[str, str] = {
    "CloudStack": ".client._client",
    "JobProgress": ".client._events",
    "PageProgress": ".client._events",
    "ClientOptions": ".client._options",
    "ListChangedWarning": ".client._paging",
    "PreparedRequest": ".client._transport",
    "Region": ".config._regions",
    "list_regions": ".config._regions",
    "load_region": ".config._regions",
    "Api": ".spec._spec",
    "Param": ".spec._spec",
    "Spec": ".spec._spec",
    "packaged_spec": ".spec._spec",
}


def _as_public(value: Any) -> None:
    """Name the package as ``value``'s module (reprs, tracebacks, pickles show the documented import)."""
    try:
        value.__module__ = __name__
    except (AttributeError, TypeError):  # a builtin or extension object keeps its own
        pass


for _name in ("APIError", "AuthenticationError", "BadRequestError", "CloudStackClientException", "CommandError",
              "ConfigError", "ConnectError", "InvalidParameterError", "InvalidResponseError", "JobCancelledError",
              "JobError", "JobFailedError", "JobTimeoutError", "ListChangedError", "MissingParameterError",
              "RequestTimeout", "ServerError", "ThrottledError", "TransportError", "UnknownCommandError",
              "abandoned_job"):
    _as_public(globals()[_name])
del _name


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(module, __name__), name)
    if callable(value):
        _as_public(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def load_ipython_extension(shell: object) -> None:
    """``%load_ext cloudstack_magic``: register ``%cloudstack`` (IPython is imported only now)."""
    from .magics._extension import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: object) -> None:
    """``%unload_ext cloudstack_magic``: remove everything loading added and close the clients."""
    from .magics._extension import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "APIError",
    "Api",
    "AuthenticationError",
    "BadRequestError",
    "ClientOptions",
    "CloudStack",
    "CloudStackClientException",
    "CommandError",
    "ConfigError",
    "ConnectError",
    "InvalidParameterError",
    "InvalidResponseError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobProgress",
    "JobTimeoutError",
    "ListChangedError",
    "ListChangedWarning",
    "MissingParameterError",
    "PageProgress",
    "Param",
    "PreparedRequest",
    "Region",
    "RequestTimeout",
    "ServerError",
    "Spec",
    "ThrottledError",
    "TransportError",
    "UnknownCommandError",
    "__version__",
    "abandoned_job",
    "list_regions",
    "load_ipython_extension",
    "load_region",
    "packaged_spec",
    "unload_ipython_extension",
]
