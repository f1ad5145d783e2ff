"""The CloudStack API spec: which commands exist, their parameters and response fields.

The package ships the real ``listApis`` output of CloudStack 4.18 (see ``data/README.md`` for its
provenance and license) and an index built from it (``_index``): the spec opens from the index in
a few milliseconds and each API's parameters and response fields are parsed when that API is
first asked for, so a fresh process's first call costs what a later one does. A live server's ``listApis`` reply can be
wrapped the same way with :meth:`Spec.from_listapis`. Help, completion, parameter checks,
DataFrame column types and the simulator's API surface all read from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from ._index import INDEX_RESOURCE, PACKAGED_RESOURCE, IndexEntry, read_index

from .._suggest import close_matches

# `import cloudstack_magic` must stay close to `import aiohttp` in cost: the spec is read only
# when first asked for.

__all__ = ["Api", "Param", "ResponseField", "Spec", "packaged_spec"]

PACKAGED_VERSION = "4.18"

#: Parameters every list command takes (``BaseListCmd``); their presence marks a paged list.
PAGING_PARAMS = ("page", "pagesize")


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter of an API, as ``listApis`` describes it."""

    name: str
    type: str  # string, uuid, integer, long, short, boolean, date, list, map, object
    required: bool = False
    description: str = ""
    length: int | None = None
    related: tuple[str, ...] = ()
    since: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseField:
    """One field of an API's response object; ``fields`` holds a nested object's fields."""

    name: str
    type: str
    description: str = ""
    fields: tuple[ResponseField, ...] = ()


@dataclass(frozen=True)
class Api:
    """One API command: its name, whether it is async, its parameters and response fields."""

    name: str
    description: str = ""
    isasync: bool = False
    since: str | None = None
    related: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    response: tuple[ResponseField, ...] = ()
    _by_lower: dict[str, Param] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_lower.update((p.name.lower(), p) for p in self.params)

    @property
    def is_list(self) -> bool:
        """True for list commands that page (they take both ``page`` and ``pagesize``)."""
        return all(name in self._by_lower for name in PAGING_PARAMS)

    @property
    def required_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.required)

    def param(self, name: str) -> Param | None:
        """The parameter called ``name`` (case-insensitive, as the server treats names), or None."""
        return self._by_lower.get(name.lower().split("[", 1)[0])

    def response_types(self) -> dict[str, str]:
        """Top-level response field name → type (``date``, ``integer``, ``long``, ``list`` …)."""
        return {f.name: f.type for f in self.response}

    def suggest_param(self, name: str, n: int = 3) -> list[str]:
        """Parameter names close to ``name`` (as the API spells them), for a "did you mean" hint."""
        return close_matches(name, [p.name for p in self.params], n=n)


class Spec(Mapping[str, Api]):
    """A read-only mapping of command name → :class:`Api` (names are case-sensitive, as on the
    server), with search and "did you mean" helpers."""

    def __init__(self, apis: Iterable[Api], version: str) -> None:
        #: name -> the Api, or what it is built from on first access (an index entry, a JSON item)
        self._apis: dict[str, Api | IndexEntry | Mapping[str, Any]] = {api.name: api for api in apis}
        self.version = version

    @classmethod
    def from_listapis(cls, reply: Mapping[str, Any], version: str = "live") -> Spec:
        """Build a spec from a ``listApis`` reply, with or without its ``listapisresponse`` wrapper.

        Each API's objects are built when it is first asked for: a live reply of 700 APIs is
        ~18,000 field objects that one call mostly never reads."""
        body = reply.get("listapisresponse", reply)
        spec = cls((), version)
        spec._apis = {str(item["name"]): item for item in body.get("api", []) if item.get("name")}
        return spec

    @classmethod
    def _from_index(cls, entries: Iterable[IndexEntry], version: str) -> Spec:
        spec = cls((), version)
        spec._apis = {entry.name: entry for entry in entries}
        return spec

    def __getitem__(self, name: str) -> Api:
        found = self._apis[name]
        if isinstance(found, Api):
            return found
        api = _api_from_json(json.loads(found.raw) if isinstance(found, IndexEntry) else found)
        self._apis[name] = api
        return api

    def __iter__(self) -> Iterator[str]:
        return iter(self._apis)

    def __len__(self) -> int:
        return len(self._apis)

    def __repr__(self) -> str:
        return f"<Spec {self.version}: {len(self)} APIs>"

    @cached_property
    def _by_lower(self) -> dict[str, str]:
        return {name.lower(): name for name in self._apis}

    def find(self, name: str) -> Api | None:
        """The API called ``name``, forgiving case (``listvirtualmachines`` finds
        ``listVirtualMachines``); None if there is none."""
        if name in self._apis:
            return self[name]
        exact = self._by_lower.get(name.lower())
        return self[exact] if exact else None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Command names close to ``name`` (correct spelling first when only the case is off)."""
        return close_matches(name, self._apis, n=n)

    def search(self, word: str = "") -> list[Api]:
        """APIs whose name (or, failing that, description) contains ``word``, case-insensitive,
        sorted by name; all APIs for an empty word."""
        needle = word.lower()
        hits = [self[name] for name in self._apis if needle in name.lower()]
        if not hits and needle:
            hits = [api for api in self.values() if needle in api.description.lower()]
        return sorted(hits, key=lambda a: a.name.lower())


@lru_cache(maxsize=1)
def packaged_spec() -> Spec:
    """The CloudStack 4.18 spec shipped with the package (opened once, on first use, from its
    index: a few milliseconds; each API is parsed when first asked for)."""
    from pathlib import Path

    index = Path(__file__).parent / "data" / INDEX_RESOURCE
    if index.is_file():  # an installed package on disk: no importlib.resources (and zipfile) import
        text = index.read_text(encoding="utf-8")
    else:  # pragma: no cover - a zipped install
        from importlib import resources

        text = resources.files(__package__).joinpath("data", INDEX_RESOURCE).read_text(encoding="utf-8")
    return Spec._from_index(read_index(text), version=PACKAGED_VERSION)


def _api_from_json(item: Mapping[str, Any]) -> Api:
    return Api(
        name=item["name"],
        description=item.get("description") or "",
        isasync=bool(item.get("isasync")),
        since=item.get("since") or None,
        related=_split_related(item.get("related")),
        params=tuple(
            Param(
                name=p["name"],
                type=p.get("type", "string"),
                required=bool(p.get("required")),
                description=p.get("description") or "",
                length=p.get("length"),
                related=_split_related(p.get("related")),
                since=p.get("since") or None,
            )
            for p in item.get("params", [])
            if p.get("name")
        ),
        response=_fields_from_json(item.get("response", [])),
    )


def _fields_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[ResponseField, ...]:
    # listApis emits empty {} entries for some fields; they carry nothing and are dropped.
    return tuple(
        ResponseField(
            name=f["name"],
            type=f.get("type", "string"),
            description=f.get("description") or "",
            fields=_fields_from_json(f.get("response", [])),
        )
        for f in items
        if f.get("name")
    )


def _split_related(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part for part in str(value).split(",") if part)
