"""The simulator checks requests on its own: it must never import the client's code, or a bug
shared by both would pass every test. Also: the XML it renders is well-formed for nested rows."""

from __future__ import annotations

import ast
from pathlib import Path
from xml.etree import ElementTree

import cloudstack_magic.simulator as simulator_package

CLIENT_MODULES = {"_signing", "_params", "_client", "_transport", "_paging", "_jobs", "_session", "_options"}


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found.update(f"{node.module or ''}.{alias.name}".strip(".") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_simulator_never_imports_client_code():
    sources = sorted(Path(simulator_package.__file__).parent.rglob("*.py"))
    assert len(sources) > 10
    for path in sources:
        for module in _imported_modules(path):
            parts = set(module.replace("..", ".").split("."))
            assert not parts & CLIENT_MODULES, f"{path.name} imports {module}"


def test_xml_page_of_vms_is_well_formed(api):
    status, _, text = api({"command": "listVirtualMachines", "listall": "true", "page": "1", "pagesize": "20"})
    assert status == 200
    root = ElementTree.fromstring(text)
    vms = root.findall("virtualmachine")
    assert len(vms) == 20 and all(vm.find("nic/ipaddress") is not None for vm in vms)
    assert root.get("cloud-stack-version", "").startswith("4.18")
