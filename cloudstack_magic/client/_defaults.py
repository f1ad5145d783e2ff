"""The default of every client option, alone: the magics' traitlets read theirs from here when
their class is defined (at ``%load_ext``), without loading the option parser (``_options``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS"]

#: The default of every client option (see :class:`ClientOptions` for what each means).
DEFAULTS: dict[str, Any] = {
    "timeout": 60.0,
    "connect_timeout": 10.0,
    "read_timeout": None,
    "verify": True,
    "cert": None,
    "cert_key": None,
    "retries": 3,
    "retry_backoff": 0.5,
    "retry_backoff_max": 10.0,
    "retry_after_max": 60.0,
    "page_concurrency": 8,
    "max_page_size": 500,
    "async_poll_latency": 2.0,
    "poll_initial": 0.2,
    "job_timeout": 1800.0,
    "signature_version": 3,
    "expires_in": 600.0,
    "method": "auto",
    "post_threshold": 4096,
    "validate": "auto",
    "spec": None,
    "headers": None,
    "handler": None,
}
