"""The packaged spec's index: one line per API, readable in a few milliseconds.

Parsing the shipped gzip ``listApis`` (2.5 MB of JSON, ~18,600 field objects) takes 0.3-0.8 s:
paid inside a user's first call, that made the first listing of a fresh kernel twice as slow as
the second. The index holds the same content, built from the gzip by :func:`build_index`, one
API a line::

    name <TAB> isasync (0|1) <TAB> is_list (0|1) <TAB> required,params <TAB> {"name": ..., the API's JSON}

Reading it is splitting 705 lines; an API's full JSON (parameters, response fields) is parsed
only when that API is first asked for. The gzip stays the source: ``tests/spec`` rebuilds the
index from it and fails when the shipped index differs; :func:`rebuild` rewrites it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["INDEX_RESOURCE", "IndexEntry", "build_index", "packaged_index_text", "read_index", "rebuild"]

#: The source of truth: the gzip of a real CloudStack 4.18 ``listApis`` answer.
PACKAGED_RESOURCE = "listApis-4.18.json.gz"
INDEX_RESOURCE = "listApis-4.18.index"
_HEADER = "# cloudstack-magic spec index v1, built from {source}: name, isasync, is_list, required, JSON\n"
PAGING_PARAMS = ("page", "pagesize")


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index says about one API before its JSON is parsed."""

    name: str
    isasync: bool
    is_list: bool
    required: tuple[str, ...]
    raw: str  # the API's listApis JSON, parsed on first use


def build_index(items: Iterable[Mapping[str, Any]], source: str) -> str:
    """The index text for ``listApis`` items (``{"api": [...]}``'s list), in their order."""
    lines = [_HEADER.format(source=source)]
    for item in items:
        name = str(item["name"])
        params = [p for p in item.get("params", []) if p.get("name")]
        lower = {str(p["name"]).lower() for p in params}
        required = ",".join(str(p["name"]) for p in params if p.get("required"))
        raw = json.dumps(item, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        if "\n" in raw or "\t" in name:  # json.dumps escapes newlines; a name never holds a tab
            raise ValueError(f"cannot index API {name!r}")
        is_list = all(p in lower for p in PAGING_PARAMS)
        lines.append(f"{name}\t{int(bool(item.get('isasync')))}\t{int(is_list)}\t{required}\t{raw}\n")
    return "".join(lines)


def read_index(text: str) -> list[IndexEntry]:
    """The entries of an index text written by :func:`build_index`."""
    entries = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, isasync, is_list, required, raw = line.split("\t", 4)
        entries.append(IndexEntry(name, isasync == "1", is_list == "1",
                                  tuple(required.split(",")) if required else (), raw))
    return entries


def packaged_index_text() -> str:
    """The index text as built now from the packaged gzip ``listApis`` (the source of truth)."""
    import gzip
    from pathlib import Path


    source = Path(__file__).parent / "data" / PACKAGED_RESOURCE
    body = json.loads(gzip.decompress(source.read_bytes()))
    return build_index(body.get("listapisresponse", body)["api"], PACKAGED_RESOURCE)


def rebuild() -> None:
    """Rewrite the shipped index from the gzip, after the gzip changed:
    ``python -c 'from cloudstack_magic.spec._index import rebuild; rebuild()'``."""
    from pathlib import Path

    target = Path(__file__).parent / "data" / INDEX_RESOURCE
    target.write_text(packaged_index_text(), encoding="utf-8")
