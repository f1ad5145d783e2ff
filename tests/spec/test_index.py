"""The packaged spec opens from its pre-built index: fast, lazy, and never stale."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import cloudstack_magic.spec._spec as spec_module
from cloudstack_magic.spec._index import INDEX_RESOURCE, IndexEntry, build_index, packaged_index_text, read_index
from cloudstack_magic.spec._spec import PACKAGED_RESOURCE, Api, Spec

DATA = Path(spec_module.__file__).parent / "data"


def _source_items() -> list[dict]:
    return json.loads(gzip.decompress((DATA / PACKAGED_RESOURCE).read_bytes()))["api"]


def test_the_shipped_index_is_built_from_the_shipped_gzip():
    shipped = (DATA / INDEX_RESOURCE).read_text(encoding="utf-8")
    assert shipped == packaged_index_text(), (
        "spec/data/listApis-4.18.index is stale: run "
        "python -c 'from cloudstack_magic.spec._index import rebuild; rebuild()'")


def test_index_columns_agree_with_the_parsed_apis():
    entries = read_index((DATA / INDEX_RESOURCE).read_text(encoding="utf-8"))
    assert len(entries) == 705
    full = Spec.from_listapis({"api": _source_items()}, version="check")
    for entry in entries:
        api = full[entry.name]
        assert (entry.isasync, entry.is_list) == (api.isasync, api.is_list), entry.name
        assert entry.required == tuple(p.name for p in api.required_params), entry.name


def test_a_changed_source_changes_the_index():
    items = _source_items()[:3]
    before = build_index(items, "x")
    items[0] = {**items[0], "isasync": not items[0].get("isasync")}
    assert build_index(items, "x") != before


def test_finding_one_api_parses_only_that_api():
    spec = spec_module.Spec._from_index(read_index((DATA / INDEX_RESOURCE).read_text(encoding="utf-8")), "4.18")
    api = spec.find("listvirtualmachines")
    assert api is not None and api.name == "listVirtualMachines" and api.is_list
    built = [name for name, value in spec._apis.items() if isinstance(value, Api)]
    assert built == ["listVirtualMachines"]
    assert all(isinstance(v, IndexEntry) for k, v in spec._apis.items() if k != "listVirtualMachines")
    assert spec.find("listVirtualMachines") is api  # parsed once, kept


def test_a_live_spec_builds_each_api_on_first_use():
    spec = Spec.from_listapis({"listapisresponse": {"api": _source_items()}})
    assert len(spec) == 705 and not any(isinstance(v, Api) for v in spec._apis.values())
    assert spec["deployVirtualMachine"].isasync
    assert sum(isinstance(v, Api) for v in spec._apis.values()) == 1


def test_a_fresh_process_opens_the_spec_without_the_gzip():
    # The first call of a fresh process must not decompress and parse 2.5 MB of JSON.
    code = ("import gzip, cloudstack_magic.spec._spec as s\n"
            "calls = []\n"
            "real = gzip.decompress\n"
            "gzip.decompress = lambda data: calls.append(1) or real(data)\n"
            "api = s.packaged_spec().find('deployVirtualMachine')\n"
            "assert api.isasync and len(api.required_params) == 3\n"
            "print(len(calls))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "0"
