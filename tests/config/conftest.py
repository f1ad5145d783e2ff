"""Fixtures for config tests: an empty home and cwd per test, and a way to write files there."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cloudstack_magic.config._regions import Region, default_region_name, list_regions, load_region

#: Distinct secret-looking values; an error message or repr containing one of them leaks.
SECRETS = ("KEY-8f3e1d0c", "SECRET-9a7b6c5d", "HDR-TOKEN-4e2f")


@dataclass
class Place:
    """A fake machine: ``home`` and ``cwd`` directories and an environment for the loaders."""

    home: Path
    cwd: Path
    environ: dict[str, str] = field(default_factory=dict)

    def write(self, relative: str, text: str) -> Path:
        """Write a file under home (``~/...``) or cwd (anything else), dedented, mode 0600 (as
        a file holding a secret should be; a readable one warns, see test_permissions)."""
        if relative.startswith("~/"):
            path = self.home / relative[2:]
        else:
            path = self.cwd / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        path.chmod(0o600)
        return path

    @property
    def kw(self) -> dict[str, Any]:
        return {"environ": self.environ, "cwd": self.cwd, "home": self.home}

    def load(self, name: str | None = None) -> Region:
        return load_region(name, **self.kw)

    def regions(self) -> list[Region]:
        return list_regions(**self.kw)

    def default(self) -> str:
        return default_region_name(**self.kw)


@pytest.fixture
def place(tmp_path: Path) -> Place:
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    return Place(home, cwd)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret leaked into {text!r}"


@pytest.fixture
def no_secret() -> Callable[[str], None]:
    return assert_no_secret
