"""The package's shape, read from its own code: no import cycle, layers import only downwards.

The import graph comes from the source (every ``import`` statement, at module level, inside
functions and under ``TYPE_CHECKING`` alike: a cycle through a deferred import is still two
modules that each need the other), so a new module is covered without editing a list here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "cloudstack_magic"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

#: Which layers each layer may import. A layer is a sub-package, or one of the top-level
#: modules; ``BASE`` are the modules every layer may use. Read top to bottom: a layer never
#: reaches up to one that is built on it.
BASE = {"_errors", "_masking", "_suggest", "_version"}
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "_suggest": set(),
    "_masking": set(),
    "_errors": {"_masking", "_suggest"},
    "spec": BASE,
    "client": BASE | {"spec"},
    "config": BASE | {"client"},
    "progress": BASE | {"client"},
    "present": BASE | {"spec", "client"},
    "magics": BASE | {"spec", "client", "config", "progress", "present", "simulator"},
    # The simulator shares the spec data with the client, nothing else (tests/simulator checks
    # this module by module).
    "simulator": {"spec"},
}
#: The upward edges there are, each with its reason. Keep this short.
UPWARD = {
    ("cloudstack_magic.client._client", "cloudstack_magic.config._regions"):
        "CloudStack.from_config() is the client's CloudStackAIO-style door to regions; imported at call time",
}
#: Entry points compose every layer and nothing imports them.
ENTRY_POINTS = {"__init__", "__main__", "demo"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (relative imports resolved; ``from pkg import mod``
    counted as an import of ``pkg.mod`` when that is a module)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
            found.update(t for t in targets if t == PACKAGE or t.startswith(PACKAGE + "."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not (source == PACKAGE or source.startswith(PACKAGE + ".")):
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if candidate in known else source)
    found.discard(name)
    return {target for target in found if target in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[-1] == "__main__":  # ``python -m …`` entry points compose, like the package's own
        return "__main__"
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_graph_is_read_from_the_code() -> None:
    graph = _graph()
    # a few edges every reader of the package knows; if these vanish the reader is broken
    assert "cloudstack_magic.client._transport" in graph["cloudstack_magic.client._client"]
    assert "cloudstack_magic.spec._spec" in graph["cloudstack_magic.client._client"]
    assert len(graph) > 30


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_layers_import_only_downwards() -> None:
    wrong = []
    for module, targets in _graph().items():
        layer = _layer(module)
        if layer in ENTRY_POINTS:
            continue
        for target in targets:
            target_layer = _layer(target)
            if target_layer != layer and target_layer not in ALLOWED[layer] and (module, target) not in UPWARD:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_every_layer_is_known() -> None:
    layers = {_layer(module) for module in _modules()}
    assert layers - ENTRY_POINTS == set(ALLOWED)


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_readable_in_one_sitting(path: Path) -> None:
    """One job per module: past ~400 lines a module is usually two."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"
