"""The live API of each endpoint, kept on disk by ``%cloudstack sync`` for later kernels.

CloudMonkey's ``sync`` idea: the server's own ``listApis`` is the truth about which commands and
parameters it has (a newer server has more than the packaged 4.18 spec). ``sync`` stores that
answer, with the server's version, in the user's cache directory (``platformdirs``), one file per
endpoint; help, ``apis``, completion and validation read it from then on, and the packaged spec is
the fallback for an endpoint never synced. The file holds the server's reply only — no key,
secret or signature — and is written atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..spec._spec import Spec

__all__ = ["SyncedApis", "cache_directory", "cached_spec", "save_apis"]

#: Environment variable that moves the cache (tests, read-only homes).
CACHE_ENV = "CLOUDSTACK_MAGIC_CACHE_DIR"
_FORMAT = 1
#: Specs already read from disk: ``path -> (mtime_ns, spec)``.
_READ: dict[Path, tuple[int, Spec]] = {}


@dataclass(frozen=True)
class SyncedApis:
    """What one ``sync`` stored: the spec, where, and the server's version."""

    spec: Spec
    path: Path
    version: str


def cache_directory() -> Path:
    """Where synced APIs live: ``$CLOUDSTACK_MAGIC_CACHE_DIR``, else the user cache directory."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("cloudstack-magic") / "apis"


def _path_for(endpoint: str) -> Path:
    digest = hashlib.sha256(endpoint.rstrip("/").encode()).hexdigest()[:20]
    return cache_directory() / f"{digest}.json"


def save_apis(endpoint: str, reply: Any, version: str) -> SyncedApis:
    """Store ``listApis``' ``reply`` for ``endpoint`` and return the spec it makes."""
    spec = Spec.from_listapis(reply, version=version)
    path = _path_for(endpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({
        "format": _FORMAT, "endpoint": endpoint, "version": version,
        "synced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "listApis": reply,
    })
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sync-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _READ[path] = (path.stat().st_mtime_ns, spec)
    return SyncedApis(spec, path, version)


def cached_spec(endpoint: str) -> Spec | None:
    """The spec ``sync`` stored for ``endpoint``, or None (never synced, or the file is unreadable)."""
    path = _path_for(endpoint)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    known = _READ.get(path)
    if known is not None and known[0] == mtime:
        return known[1]
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        spec = Spec.from_listapis(stored["listApis"], version=str(stored.get("version") or "live"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged cache is no cache: the packaged spec still answers
    if not len(spec):
        return None
    _READ[path] = (mtime, spec)
    return spec
