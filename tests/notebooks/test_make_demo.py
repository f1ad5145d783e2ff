"""`make demo` for a newcomer: it installs only what the demo runs, and shows pip's progress."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib

import nbformat
import pytest

from cloudstack_magic.demo import DEFAULT_NOTEBOOKS, PROJECT_ROOT

TEST_TOOLS = {"pytest", "hypothesis", "mypy", "pandas-stubs", "cs", "aioresponses", "pytest-asyncio"}


def _planned(target: str) -> list[str]:
    """The commands ``make`` would run for ``target`` from scratch (``-n -B``: printed, not run)."""
    make = shutil.which("make")
    assert make is not None, "make is needed for the demo"
    out = subprocess.run([make, "-n", "-B", target], cwd=PROJECT_ROOT, check=True, capture_output=True,
                         text=True, timeout=60)
    return out.stdout.splitlines()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_make_demo_installs_the_demo_extra_only_and_not_quietly() -> None:
    installs = [line for line in _planned("demo") if "pip install" in line and "-e" in line]
    assert installs == [".venv/bin/python -m pip install --progress-bar on -e '.[demo]'"]
    assert all("--quiet" not in line for line in installs)


def test_make_test_still_installs_the_test_tools() -> None:
    installs = [line for line in _planned("test") if "pip install" in line and "-e" in line]
    assert any("test" in line for line in installs)


def test_the_demo_extra_holds_no_test_or_benchmark_tools() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    demo = _requirement_names(project["optional-dependencies"]["demo"])
    assert demo & TEST_TOOLS == set()
    assert {"nbclient", "nbconvert", "matplotlib"} <= demo


@pytest.mark.parametrize("notebook", DEFAULT_NOTEBOOKS, ids=lambda p: p.stem)
def test_what_the_notebooks_import_comes_with_the_demo_install(notebook) -> None:
    """A notebook importing a test-only package would pass `make test` and fail `make demo`."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    installed = _requirement_names(project["dependencies"] + project["optional-dependencies"]["demo"])
    installed |= {"cloudstack_magic"}
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(notebook, as_version=4)
    imported = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(TransformerManager().transform_cell(cell.source))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    missing = {m for m in imported if m not in sys.stdlib_module_names and m not in installed}
    assert missing == set()
