"""The magics layer's shape: no import cycle among its modules, none over ~400 lines.

The import graph is read from the code (every ``from .x import`` / ``from ..layer.x import``,
``TYPE_CHECKING`` ones included: a cycle there is still two modules that need each other).
"""

from __future__ import annotations

import ast
from pathlib import Path

import cloudstack_magic

PACKAGE = Path(cloudstack_magic.__file__).parent
MAGICS = PACKAGE / "magics"


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, as dotted names under the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level + 1])
            if node.module:
                found.add(".".join([*base, *node.module.split(".")]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(PACKAGE).with_suffix("").parts): p for p in MAGICS.glob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_import_cycle_in_the_magics_layer() -> None:
    graph = _graph()
    assert "magics._session" in graph and "magics._results" in graph["magics._session"]  # the graph is real
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1 and not cycle:
                cycle.extend(path[path.index(target):] + [target] if target in path else [node, target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycle, " -> ".join(cycle)


def test_no_magics_module_is_over_400_lines() -> None:
    long = {p.name: n for p in MAGICS.glob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long
