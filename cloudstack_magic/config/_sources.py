"""Reading the raw configuration: environment variables, cloudstack.ini files, ~/.cmk/config.

The precedence rules are described once, in :mod:`cloudstack_magic._config`; this module only
collects string values and remembers where each one came from (``where[key]``, e.g.
``"~/.cloudstack.ini [prod] timeout"``), so that checking can name the file, section and key of
a bad value. Nothing here ever puts a value into an error message: configparser's own messages
repeat the offending line, which may hold a secret, so they are replaced.
"""

from __future__ import annotations

import configparser
import os
import re
import stat
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .._errors import ConfigError

ENVIRONMENT_REGION = "environment"
ENV_PREFIX = "CLOUDSTACK_"
#: cs's configuration keys (``CLOUDSTACK_<KEY>`` in the environment), and our ``page_size``;
#: other keys are ignored.
CS_KEYS = (
    "endpoint", "key", "secret", "timeout", "method", "verify", "cert", "cert_key", "retry",
    "expiration", "poll_interval", "job_timeout", "dangerous_no_tls_verify",
    "page_size",  # ours, not cs's: rows per page (the client's max_page_size)
)  # fmt: skip
#: CloudMonkey profile keys → cs names; ``timeout``/``verifycert``/``postrequest`` keep theirs.
CMK_KEYS = {"url": "endpoint", "apikey": "key", "secretkey": "secret"}
CMK_SETTINGS = ("timeout", "verifycert", "postrequest")
# cmk (go-ini) writes its core settings above the first section; older versions used [core].
_CMK_TOP = "\x00top"
_CMK_CORE_SECTIONS = (_CMK_TOP, "core", "DEFAULT")
_NO_DEFAULT = "\x00none"  # makes configparser treat [DEFAULT] as a plain section


class InsecureConfigWarning(UserWarning):
    """A configuration file holding a secret key can be read by other users."""


#: Files already warned about in this process (one warning per file, not one per load).
_WARNED: set[tuple[str, int]] = set()


def warn_if_readable_by_others(path: Path, shown: str, parser: configparser.RawConfigParser,
                               secret_key: str) -> None:
    """One :class:`InsecureConfigWarning` when ``path`` holds ``secret_key`` and its group or
    others may read it (``cs`` and CloudMonkey keep theirs 0600 too)."""
    if os.name == "nt" or not any(parser.has_option(s, secret_key) for s in parser.sections()):
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if not mode & 0o077 or (str(path.resolve()), mode) in _WARNED:
        return
    _WARNED.add((str(path.resolve()), mode))
    warnings.warn(f"{shown} holds a secret key and other users can read it (mode {mode:04o}); "
                  f"run: chmod 600 {shown}", InsecureConfigWarning, stacklevel=2)


@dataclass
class Raw:
    """One region's string values before checking, with where each value came from."""

    name: str
    kind: Literal["env", "ini", "cmk"]
    source: str
    values: dict[str, str] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Names only: the values hold the key and the secret (a verbose traceback prints this)."""
        return f"Raw(name={self.name!r}, kind={self.kind!r}, source={self.source!r}, values=<{', '.join(self.values)}>)"


@dataclass
class Sources:
    """Everything configured. Read afresh on each call: the files are small and never go stale."""

    env: Raw | None  # set when CLOUDSTACK_ENDPOINT makes the environment a region
    ini: dict[str, Raw]
    cmk: dict[str, Raw]
    cmk_profile: str | None  # CloudMonkey's active profile
    files: list[str]  # the files read, for messages
    region_env: str | None  # $CLOUDSTACK_REGION


def expand(value: str, cwd: Path, home: Path) -> Path:
    """``~`` against the (injectable) home, relative paths against the (injectable) cwd."""
    if value == "~" or value.startswith("~/"):
        return home / value[2:]
    path = Path(value)
    return path if path.is_absolute() else cwd / path


def show(path: Path, home: Path) -> str:
    """A path as a person would type it: ``~/.cloudstack.ini`` rather than the full home."""
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def read_sources(env: Mapping[str, str], cwd: Path, home: Path) -> Sources:
    env_values = {
        k: env[ENV_PREFIX + k.upper()] for k in CS_KEYS if env.get(ENV_PREFIX + k.upper())
    }
    env_where = {k: f"{ENV_PREFIX}{k.upper()} (environment)" for k in env_values}
    overrides = {w.lower() for w in re.split(r"\W+", env.get(ENV_PREFIX + "OVERRIDES", "")) if w}

    paths = [home / ".cloudstack.ini", cwd / "cloudstack.ini"]
    if env.get(ENV_PREFIX + "CONFIG"):
        explicit = expand(env[ENV_PREFIX + "CONFIG"], cwd, home)
        if not explicit.exists():
            raise ConfigError(
                f"CLOUDSTACK_CONFIG names {show(explicit, home)}, which does not exist; "
                "create it or unset CLOUDSTACK_CONFIG"
            )
        paths.append(explicit)
    ini_files: list[Path] = []
    for path in paths:  # the same file twice (cwd == home, CONFIG=./cloudstack.ini) is read once
        if path.exists() and all(path.resolve() != seen.resolve() for seen in ini_files):
            ini_files.append(path)
    ini = _read_ini(ini_files, home, env_values, env_where, overrides)

    cmk_path = home / ".cmk" / "config"
    cmk, cmk_profile = _read_cmk(cmk_path, home) if cmk_path.exists() else ({}, None)

    environment = None
    if "endpoint" in env_values and (not overrides or not ini_files):
        environment = Raw(ENVIRONMENT_REGION, "env", "environment", env_values, env_where)
    shown = [show(p, home) for p in ini_files] + ([show(cmk_path, home)] if cmk else [])
    return Sources(environment, ini, cmk, cmk_profile, shown, env.get(ENV_PREFIX + "REGION"))


def read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {shown}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {shown}: {exc.strerror or type(exc).__name__}") from None


def parse(
    text: str, shown: str, parser: configparser.RawConfigParser, line_offset: int = 0
) -> None:
    """Read ``text`` into ``parser``; a problem becomes one ConfigError line quoting no value."""
    try:
        parser.read_string(text, source=shown)
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(
            f"{shown} line {exc.lineno - line_offset}: a key before any [section] header; "
            "start the file with a section such as [cloudstack]"
        ) from None
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(
            f"{shown} line {(exc.lineno or 0) - line_offset}: section [{exc.section}] appears "
            "twice; merge the two"
        ) from None
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(
            f"{shown} [{exc.section}] {exc.option}: set twice (line "
            f"{(exc.lineno or 0) - line_offset}); keep one"
        ) from None
    except configparser.Error as exc:  # ParsingError and whatever else configparser adds
        lines = ", ".join(str(n - line_offset) for n, _ in getattr(exc, "errors", [])) or "?"
        raise ConfigError(
            f"{shown} line {lines}: not a `key = value` line, [section] header or comment"
        ) from None


def _read_ini(
    paths: list[Path],
    home: Path,
    env_values: dict[str, str],
    env_where: dict[str, str],
    overrides: set[str],
) -> dict[str, Raw]:
    """cloudstack.ini sections merged as cs's one ConfigParser merges them, plus each key's file.

    Values: environment as fallback < files (later wins) < environment keys in CLOUDSTACK_OVERRIDES.
    """
    merged = configparser.ConfigParser()  # cs's parser: % interpolation, [DEFAULT] shared
    where: dict[tuple[str, str], str] = {}
    files_of: dict[str, list[str]] = {}
    for path in paths:
        shown = show(path, home)
        text = read_text(path, shown)
        single = configparser.RawConfigParser(default_section=_NO_DEFAULT)
        parse(text, shown, single)  # checks the file and tells which file set which key
        warn_if_readable_by_others(path, shown, single, "secret")
        merged.read_string(text, source=shown)
        for section in single.sections():
            files_of.setdefault(section, []).append(shown)
            for key in single.options(section):
                where[section, key] = f"{shown} [{section}] {key}"
    regions: dict[str, Raw] = {}
    for section in merged.sections():
        raw = Raw(section, "ini", f"{', '.join(files_of[section])} [{section}]")
        raw.values.update(env_values)
        raw.where.update(env_where)
        for key in merged.options(section):
            spot = where.get((section, key)) or where.get(("DEFAULT", key), f"[{section}] {key}")
            try:
                value = merged.get(section, key)
            except configparser.InterpolationError:
                raise ConfigError(
                    f"{spot}: bad % interpolation; write %% for a literal percent sign"
                ) from None
            if value and not (key in overrides and key in env_values):
                raw.values[key], raw.where[key] = value, spot
        if any(
            raw.where.get(k, "").endswith("(environment)") for k in ("endpoint", "key", "secret")
        ):
            raw.source += " + environment"
        regions[section] = raw
    return regions


def _read_cmk(path: Path, home: Path) -> tuple[dict[str, Raw], str | None]:
    """CloudMonkey profiles, each with the core settings it does not set itself."""
    shown = show(path, home)
    parser = configparser.RawConfigParser(default_section=_NO_DEFAULT, strict=False)
    parse(f"[{_CMK_TOP}]\n" + read_text(path, shown), shown, parser, line_offset=1)
    warn_if_readable_by_others(path, shown, parser, "secretkey")
    core: dict[str, tuple[str, str]] = {}  # key -> (value, where)
    for section in _CMK_CORE_SECTIONS:
        if parser.has_section(section):
            label = "top level" if section == _CMK_TOP else f"[{section}]"
            for key, value in parser.items(section):
                core[key] = (unquote(value), f"{shown} {label} {key}")
    profiles: dict[str, Raw] = {}
    for section in parser.sections():
        if section in _CMK_CORE_SECTIONS or section == "ui":
            continue
        raw = Raw(section, "cmk", f"{shown} [{section}]")
        found = {k: (unquote(v), f"{shown} [{section}] {k}") for k, v in parser.items(section)}
        if "verifysslcert" in found:  # the name older CloudMonkey used
            found.setdefault("verifycert", found.pop("verifysslcert"))
        for key in CMK_SETTINGS:
            if key not in found and key in core:
                found[key] = core[key]
        for key, (value, spot) in found.items():
            name = CMK_KEYS.get(key, key if key in CMK_SETTINGS else None)
            if name and value:
                raw.values[name], raw.where[name] = value, spot
        profiles[section] = raw
    profile = core.get("profile", ("", ""))[0] or None
    return profiles, profile


def unquote(value: str) -> str:
    """go-ini may wrap a value in quotes (", ` or \"\"\") and drops them on reading; so do we."""
    for quote in ('"""', "`", '"'):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return value[len(quote) : -len(quote)]
    return value
