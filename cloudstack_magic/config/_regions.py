"""Regions: which CloudStack endpoint to call and with which keys, read like ``cs`` reads them.

A :class:`Region` comes from one of three places; the rules follow ``cs`` 5.2's ``read_config``
(exoscale/cs) so an existing ``cs`` setup works unchanged:

1. **Environment** – ``CLOUDSTACK_ENDPOINT``, ``CLOUDSTACK_KEY``, ``CLOUDSTACK_SECRET`` and the
   optional ``CLOUDSTACK_TIMEOUT``, ``_VERIFY``, ``_CERT``, ``_CERT_KEY``, ``_METHOD``,
   ``_RETRY``, ``_EXPIRATION``, ``_POLL_INTERVAL``, ``_JOB_TIMEOUT``, ``_DANGEROUS_NO_TLS_VERIFY``,
   and ``_PAGE_SIZE`` (not in ``cs``: rows asked for per page, for servers with a lower limit).
   As in ``cs``, when ``CLOUDSTACK_ENDPOINT`` is set the environment *is* the default region
   (named ``"environment"``) and no file is read for it, unless ``CLOUDSTACK_OVERRIDES`` is set.
2. **cloudstack.ini** – ``~/.cloudstack.ini``, then ``./cloudstack.ini``, then
   ``$CLOUDSTACK_CONFIG``; later files override earlier ones key by key (one ``ConfigParser``
   reads them all, ``%`` interpolation included, as in ``cs``). Each section is a region. Keys a
   section leaves out are taken from the environment variables above, and keys named in
   ``CLOUDSTACK_OVERRIDES`` (e.g. ``"key secret"``) take the environment's value over the file's,
   exactly as ``cs`` merges them. Empty values count as missing; unknown keys are ignored.
3. **CloudMonkey** – ``~/.cmk/config``: core settings (top-level keys, ``[core]`` or
   ``[DEFAULT]``: ``profile``, ``timeout``, ``verifycert``, ``postrequest``) and one section per
   profile (``url``, ``apikey``, ``secretkey``; ``timeout``/``verifycert``/``postrequest`` there
   override the core ones). Profiles without ``apikey``/``secretkey`` (password login) are not
   listed. A cloudstack.ini section wins over a profile of the same name.

Default region: ``"environment"`` when ``CLOUDSTACK_ENDPOINT`` is set (see 1), else
``$CLOUDSTACK_REGION``, else ``[cloudstack]`` if a cloudstack.ini has it, else CloudMonkey's
active ``profile``. ``cs`` has no ``default`` key, so neither do we. One deliberate difference:
``cs`` keeps using the environment even when a region is named explicitly; here an explicit
name always loads that region (``"environment"`` names the environment variables).

``Region.options`` uses the client's option names: ``timeout``, ``verify``, ``cert``,
``cert_key``, ``retries`` (cs ``retry``), ``expires_in`` (cs ``expiration``; a negative value
gives ``signature_version=None`` instead, as cs then sends no ``expires``),
``async_poll_latency`` (cs ``poll_interval``), ``job_timeout``, ``method``, ``headers`` (cs
``header_*`` keys) and ``max_page_size`` (our ``page_size`` key). Only what the config sets is there; the client's defaults fill the rest.
Every problem raises :class:`ConfigError` on one line naming the file, section and key, and
never quoting a key, secret or header value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._sources import (
    CMK_KEYS,
    CS_KEYS,
    ENV_PREFIX,
    ENVIRONMENT_REGION,
    Raw,
    Sources,
    expand,
    read_sources,
    show,
)
from ._write import write_region_file
from .._errors import ConfigError
from .._suggest import close_matches
from ..client._options import OptionValueError, Places, parse_flag, parse_integer, parse_option

__all__ = [
    "ENVIRONMENT_REGION",
    "Region",
    "default_region_name",
    "list_regions",
    "load_region",
    "write_region_file",
]

DEFAULT_SECTION = "cloudstack"
REQUIRED_KEYS = ("endpoint", "key", "secret")
_NO_CONFIG = (
    "no CloudStack configuration found: set CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY and "
    "CLOUDSTACK_SECRET, or create ~/.cloudstack.ini or ./cloudstack.ini with a [cloudstack] "
    "section (endpoint, key, secret), or a CloudMonkey profile in ~/.cmk/config"
)

PathLike = Path | str | None


@dataclass(frozen=True)
class Region:
    """One CloudStack endpoint with its keys and client options. ``source`` says where it was
    read. The repr and str show neither ``key`` nor ``secret`` nor header values."""

    name: str
    endpoint: str
    key: str
    secret: str
    source: str
    options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        options = dict(self.options)
        if "headers" in options:  # a proxy's Authorization header is a secret too
            options["headers"] = {name: "***" for name in options["headers"]}
        return (
            f"Region(name={self.name!r}, endpoint={self.endpoint!r}, key='***', secret='***', "
            f"source={self.source!r}, options={options!r})"
        )

    __str__ = __repr__


def load_region(
    name: str | None = None, *, environ: Mapping[str, str] | None = None,
    cwd: PathLike = None, home: PathLike = None,
) -> Region:  # fmt: skip
    """The region called ``name``, or the default one (see the module docstring)."""
    env, cwd_path, home_path = _context(environ, cwd, home)
    sources = read_sources(env, cwd_path, home_path)
    if name is None:
        name = _default_name(sources)
    raw = _find(sources, name)
    if raw is None:
        raise ConfigError(f"unknown region {name!r}; {_known(sources)}")
    return _build(raw, cwd_path, home_path)


def list_regions(
    *, environ: Mapping[str, str] | None = None, cwd: PathLike = None, home: PathLike = None
) -> list[Region]:
    """Every usable region: the environment's, then cloudstack.ini sections in file order, then
    CloudMonkey profiles with API keys not shadowed by a section. Empty when nothing is set up;
    a broken region raises ConfigError rather than vanishing from the list."""
    env, cwd_path, home_path = _context(environ, cwd, home)
    sources = read_sources(env, cwd_path, home_path)
    return [_build(raw, cwd_path, home_path) for raw in _listed(sources)]


def default_region_name(
    *, environ: Mapping[str, str] | None = None, cwd: PathLike = None, home: PathLike = None
) -> str:
    """The name :func:`load_region` loads when given none; ConfigError if nothing is set up."""
    env, cwd_path, home_path = _context(environ, cwd, home)
    return _default_name(read_sources(env, cwd_path, home_path))


def _context(environ: Mapping[str, str] | None, cwd: PathLike, home: PathLike
             ) -> tuple[Mapping[str, str], Path, Path]:  # fmt: skip
    return (
        os.environ if environ is None else environ,
        Path.cwd() if cwd is None else Path(cwd),
        Path.home() if home is None else Path(home),
    )


def _default_name(sources: Sources) -> str:
    if sources.env is not None:
        return ENVIRONMENT_REGION
    if sources.region_env:
        return sources.region_env
    if DEFAULT_SECTION in sources.ini:
        return DEFAULT_SECTION
    if sources.cmk_profile:
        return sources.cmk_profile
    if not sources.ini and not sources.cmk:
        raise ConfigError(_NO_CONFIG)
    raise ConfigError(
        f"no default region: no [{DEFAULT_SECTION}] section, CLOUDSTACK_REGION or CloudMonkey "
        f"profile; {_known(sources)}; pass a region name or set CLOUDSTACK_REGION"
    )


def _find(sources: Sources, name: str) -> Raw | None:
    if name == ENVIRONMENT_REGION and sources.env is not None:
        return sources.env
    return sources.ini.get(name) or sources.cmk.get(name)


def _listed(sources: Sources) -> list[Raw]:
    raws = [sources.env] if sources.env is not None else []
    names = {raw.name for raw in raws}
    for raw in [*sources.ini.values(), *sources.cmk.values()]:
        # CloudMonkey's own default profile logs in with a password; we sign with keys only
        usable = raw.kind != "cmk" or raw.values.get("key") or raw.values.get("secret")
        if usable and raw.name not in names:
            raws.append(raw)
            names.add(raw.name)
    return raws


def _known(sources: Sources) -> str:
    names = [raw.name for raw in _listed(sources)]
    where = ", ".join(sources.files) or "no config file found"
    if not names:
        return (f"no regions are configured ({where}): set CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY and "
                "CLOUDSTACK_SECRET, or write a [section] with endpoint, key and secret to ./cloudstack.ini")
    return f"known regions: {', '.join(names)} (from {where})"


# --- checking values -------------------------------------------------------------------------


def _build(raw: Raw, cwd: Path, home: Path) -> Region:
    values = raw.values
    for key in REQUIRED_KEYS:
        if not values.get(key):
            raise ConfigError(_missing(raw, key))
    if not re.match(r"(?i)https?://[^/\s]", values["endpoint"]):
        raise ConfigError(
            f"{raw.where['endpoint']}: not an http(s) URL; "
            "use e.g. https://cloud.example.com/client/api"
        )
    options: dict[str, Any] = {}
    places = Places(cwd, home)
    for key, value in values.items():
        if key in _KEYS:
            try:
                options.update(_KEYS[key](value, places))
            except OptionValueError as exc:
                raise ConfigError(f"{raw.where[key]}: {exc.describe(value)}") from None
    post = options.pop("postrequest", None)
    if post is not None:
        options.setdefault("method", "post" if post else "get")
    if options.pop("dangerous_no_tls_verify", False) and not options.get("verify"):
        options["verify"] = False  # cs: a CA bundle given in `verify` still wins
    headers = {k[len("header_") :]: v for k, v in values.items() if k.startswith("header_") and v}
    if headers:
        options["headers"] = headers
    return Region(
        raw.name, values["endpoint"], values["key"], values["secret"], raw.source, options
    )


def _missing(raw: Raw, key: str) -> str:
    if raw.kind == "env":
        var = ENV_PREFIX + key.upper()
        return (
            f"environment: CLOUDSTACK_ENDPOINT is set but {var} is not; set {var}, "
            "or unset CLOUDSTACK_ENDPOINT to use cloudstack.ini"
        )
    if raw.kind == "cmk":
        name = {cs: cmk for cmk, cs in CMK_KEYS.items()}[key]
        hint = f"add `{name} = ...`"
        if key != "endpoint":
            hint += " (cloudstack-magic signs with API keys; password login is not supported)"
    else:
        name, hint = key, f"add `{key} = ...` or set {ENV_PREFIX}{key.upper()}"
    typo = close_matches(name, [k for k in raw.values if k not in CS_KEYS], n=1)
    if typo:
        hint += f"; is {typo[0]!r} a misspelling?"
    return f"{raw.source}: missing key {name!r}; {hint}"


def _expiration(value: str, places: Places) -> dict[str, Any]:
    """cs's ``expiration``: seconds ahead, or a negative number for requests that never expire."""
    seconds = parse_integer("a whole number of seconds", value)
    if seconds == 0:  # requests would expire as they are sent
        raise OptionValueError("seconds ahead, or -1 for no expiry (0 expires every request at once)")
    if seconds < 0:  # cs then sends neither signatureVersion nor expires
        return {"signature_version": None}
    return {"expires_in": parse_option("expires_in", value, places)}


def _option(name: str) -> Callable[[str, Places], dict[str, Any]]:
    """A key read by the client's one parser of option ``name``."""
    return lambda value, places: {name: parse_option(name, value, places)}


def _flag(name: str) -> Callable[[str, Places], dict[str, Any]]:
    return lambda value, places: {name: parse_flag(value)}


#: config key (cs's, CloudMonkey's or ours) -> what it sets, read by the client's one parser.
_KEYS: dict[str, Callable[[str, Places], dict[str, Any]]] = {
    "timeout": _option("timeout"),
    "verify": _option("verify"),
    "verifycert": _flag("verify"),
    "cert": _option("cert"),
    "cert_key": _option("cert_key"),
    "retry": _option("retries"),
    "expiration": _expiration,
    "poll_interval": _option("async_poll_latency"),
    "job_timeout": _option("job_timeout"),
    "method": _option("method"),
    "postrequest": _flag("postrequest"),
    "dangerous_no_tls_verify": _flag("dangerous_no_tls_verify"),
    "page_size": _option("max_page_size"),
}
