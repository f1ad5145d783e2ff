"""The simulator checks requests on its own: it may import from the package only the spec (the
shared 4.18 data), never the client, config, errors, magics... — or a bug shared by both sides
would pass every test. The import graph is read from the code (every module, relative and
absolute imports, imports inside functions and under TYPE_CHECKING), against an allowed list.
Also: the XML it renders is well-formed for nested rows."""

from __future__ import annotations

import ast
from pathlib import Path
from xml.etree import ElementTree

import cloudstack_magic.simulator as simulator_package

PACKAGE = "cloudstack_magic"
SIMULATOR = f"{PACKAGE}.simulator"
#: What the simulator may import from the package besides itself.
ALLOWED = (f"{PACKAGE}.spec",)
#: Modules allowed more, and why. ``python -m cloudstack_magic.simulator`` is the package's
#: ``cloudstack-magic simulate``: its entry module delegates to the package command line, which
#: wires in ``--write-config`` (the config writer). It is an entry point, not simulator logic.
EXEMPT = {f"{SIMULATOR}.__main__": "command-line entry point: delegates to cloudstack_magic.__main__"}
ROOT = Path(simulator_package.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([SIMULATOR, *parts])


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of every module ``source`` imports (``from m import n`` counts m and m.n)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def forbidden(imports: set[str]) -> set[str]:
    def ok(name: str) -> bool:
        inside = name == SIMULATOR or name.startswith(SIMULATOR + ".")
        allowed = any(name == a or name.startswith(a + ".") for a in ALLOWED)
        return inside or allowed or not (name == PACKAGE or name.startswith(PACKAGE + "."))

    return {name for name in imports if not ok(name)}


def test_simulator_imports_only_the_spec_from_the_package():
    sources = sorted(ROOT.rglob("*.py"))
    assert len(sources) > 10
    problems = {}
    for path in sources:
        module = module_name(path)
        if module in EXEMPT:
            continue
        bad = forbidden(imported_modules(path.read_text(), module, path.name == "__init__.py"))
        if bad:
            problems[module] = sorted(bad)
    assert not problems, f"the simulator imports package modules outside {ALLOWED}: {problems}"


def test_the_exempt_entry_module_only_delegates():
    path = ROOT / "__main__.py"
    imports = imported_modules(path.read_text(), f"{SIMULATOR}.__main__", False)
    assert forbidden(imports) == {f"{PACKAGE}.__main__", f"{PACKAGE}.__main__.simulate_main"}


def test_the_reader_catches_every_import_form():
    source = (
        "from __future__ import annotations\n"
        "import cloudstack_magic.client._transport\n"
        "from .. import config\n"
        "from ..spec._spec import packaged_spec\n"
        "from .tables import Row\n"
        "def later():\n"
        "    from .._errors import ConfigError\n"
        "    from ...cloudstack_magic import x\n"
    )
    imports = imported_modules(source, f"{SIMULATOR}.state", False)
    assert forbidden(imports) >= {f"{PACKAGE}.client._transport", f"{PACKAGE}.config", f"{PACKAGE}._errors"}
    assert not forbidden({f"{PACKAGE}.spec._spec", f"{SIMULATOR}.tables", "aiohttp.web"})
    assert imported_modules("from . import vms\n", f"{SIMULATOR}.commands", True) >= {f"{SIMULATOR}.commands.vms"}


def test_xml_page_of_vms_is_well_formed(api):
    status, _, text = api({"command": "listVirtualMachines", "listall": "true", "page": "1", "pagesize": "20"})
    assert status == 200
    root = ElementTree.fromstring(text)
    vms = root.findall("virtualmachine")
    assert len(vms) == 20 and all(vm.find("nic/ipaddress") is not None for vm in vms)
    assert root.get("cloud-stack-version", "").startswith("4.18")
