"""Writing one region into a cloudstack.ini: atomically, privately, keeping the rest of the file.

The simulator's ``--write-config`` and ``make demo`` use :func:`write_region_file` so that ``cs``,
``%cloudstack`` and :func:`cloudstack_magic._config.load_region` all find the new region. The file
is edited as text (not round-tripped through configparser) so comments and other sections survive.
"""

from __future__ import annotations

import configparser
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path

from ._sources import parse, read_text
from .._errors import ConfigError

__all__ = ["write_region_file"]

_ENDPOINT = re.compile(r"(?i)https?://[^/\s]")


def write_region_file(
    path: Path | str, region_name: str, endpoint: str, key: str, secret: str, mode: int = 0o600
) -> Path:
    """Write (or update) the ``[region_name]`` section of a cloudstack.ini, atomically.

    Other sections, comments and the section's other keys stay as they were; ``endpoint``,
    ``key`` and ``secret`` are replaced. The new text goes to a temporary file in the same
    directory, created with ``mode`` (0600: the file holds a secret), and is renamed over the
    old one, so readers see the old file or the new one, never half of either (two writers
    racing on one file are not locked: the last rename wins). ``%`` is written as ``%%``
    because cs reads the file with interpolation. Returns the path written.
    """
    target = Path(path).expanduser()
    target = target.resolve() if target.is_symlink() else target
    _check_written(region_name, endpoint, key, secret)
    values = {"endpoint": endpoint, "key": key, "secret": secret}
    shown = str(target)
    old = read_text(target, shown) if target.exists() else ""
    parse(old, shown, configparser.RawConfigParser(default_section="\x00none"))
    new = _with_section(old, region_name, {k: v.replace("%", "%%") for k, v in values.items()})
    check = configparser.ConfigParser(default_section="\x00none")
    parse(new, shown, check)
    if any(check.get(region_name, k, fallback=None) != v for k, v in values.items()):
        raise ConfigError(
            f"{shown} [{region_name}]: could not write the section cleanly; not written"
        )
    try:
        _replace_atomically(target, new, mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {shown}: {exc.strerror or exc}") from None
    return target


def _replace_atomically(target: Path, text: str, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _check_written(region_name: str, endpoint: str, key: str, secret: str) -> None:
    if (
        not region_name
        or region_name != region_name.strip()
        or any(c in region_name for c in "[]\r\n")
        or region_name == "DEFAULT"
    ):
        raise ConfigError(
            f"region name {region_name!r} cannot be an INI section; use letters, digits, - or _"
        )
    if not _ENDPOINT.match(endpoint) or any(c in endpoint for c in "\r\n"):
        raise ConfigError(
            "endpoint must be an http(s) URL such as http://127.0.0.1:8080/client/api"
        )
    for name, value in (("key", key), ("secret", secret)):
        if not value or value != value.strip() or any(c in value for c in "\r\n"):
            raise ConfigError(
                f"the {name} to write is empty or has surrounding or line-break whitespace"
            )


def _with_section(text: str, name: str, values: dict[str, str]) -> str:
    """``text`` with ``[name]``'s written keys replaced (or the section appended)."""
    lines = text.splitlines(keepends=True)
    new_lines = [f"{k} = {v}\n" for k, v in values.items()]
    header = configparser.ConfigParser.SECTCRE
    starts = [
        i for i, line in enumerate(lines) if not line[:1].isspace() and header.match(line.strip())
    ]
    for n, start in enumerate(starts):
        match = header.match(lines[start].strip())
        if match and match.group("header") == name:
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            body, dropping = [], False
            for line in lines[start + 1 : end]:
                if dropping and line[:1].isspace() and line.strip():
                    continue  # a continuation line of a replaced value
                option = re.match(r"([^=:\s#;][^=:]*?)\s*[=:]", line)
                dropping = option is not None and option.group(1).lower() in values
                if not dropping:
                    body.append(line)
            return "".join(lines[: start + 1] + new_lines + body + lines[end:])
    prefix = text if not text or text.endswith("\n") else text + "\n"
    return prefix + ("\n" if prefix else "") + f"[{name}]\n" + "".join(new_lines)
