"""Tab completion for ``%cloudstack``: an IPython v2 context matcher.

It completes after ``%cloudstack `` (also in ``x = %cloudstack ``) and inside ``%%cloudstack``
cell bodies: command names first, then that command's parameters as ``key=`` (required ones
first, those already given left out), then for ``…id=`` parameters the ids of existing
resources — with their names as the completion type — from the related list API.

Ids come from ``fetch_rows(list_command)`` (``fetch_rows(list_command, params)`` when that
list API needs a filter, e.g. ``listTemplates templatefilter=executable``), supplied by the
magics. It may raise or time out: completion then offers no ids. Answers, failures included,
are cached briefly in a bounded cache, so pressing Tab again neither waits nor hammers the
server. The word structure mirrors :mod:`._parse` (a word without ``=`` names a command, the
``key=value`` words after it — on later lines too, ``key = value`` allowed — are its
parameters) without importing it: completion must cope with half-typed text.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec._spec import Api, Param, Spec

__all__ = ["IdCache", "make_matcher", "list_api_for"]

MAGIC = "cloudstack"
SUBCOMMANDS = ("apis", "help", "regions", "use")
#: Options that take a value as the next word (``--limit 5``), so that word is not the command.
VALUE_OPTIONS = frozenset({"-o", "--output", "-r", "--region", "--columns", "--limit", "--progress"})
REGION_OPTIONS = frozenset({"-r", "--region"})
#: id parameters whose list API needs a filter to answer at all.
SPECIAL_ID_SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "templateid": ("listTemplates", {"templatefilter": "executable"}),
    "isoid": ("listIsos", {"isofilter": "executable"}),
}
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 32
MAX_IDS = 500  # per list API: enough to pick from, small enough to stay quick

_LINE_MAGIC = re.compile(r"^\s*(?:[\w.\[\], ]+=\s*)?%" + MAGIC + r"\s(?P<rest>.*)$")
_CELL_MAGIC = re.compile(r"^\s*%%" + MAGIC + r"\b")
_WORD = re.compile(r"""(?:[^\s"']+|"[^"]*"?|'[^']*'?)+""")
_VALUE_POSITION = re.compile(r"(?P<key>[A-Za-z_][\w.\[\]-]*)\s*=\s*(?:[^\s=,]*,)*$")
_FRAGMENT = re.compile(r"[^\s=,]*$")
_COMMENT = re.compile(r"(?:^|\s)#.*$")

FetchRows = Callable[..., Sequence[Mapping[str, Any]]]


def make_matcher(
    get_spec: Callable[[], Spec],
    fetch_rows: FetchRows,
    *,
    get_regions: Callable[[], Iterable[str]] | None = None,
    cache: IdCache | None = None,
) -> Any:
    """The matcher to append to ``shell.Completer.custom_matchers`` (remove it to unregister).

    ``get_spec()`` gives the spec to complete from (packaged or live); ``fetch_rows`` lists
    resources for id completion; ``get_regions()`` (optional) gives region names for ``-r`` and
    ``use``. Nothing here raises into IPython: a failing callable means fewer completions.
    """
    from IPython.core.completer import SimpleCompletion, SimpleMatcherResult, context_matcher

    ids = cache if cache is not None else IdCache(fetch_rows)

    @context_matcher(identifier="cloudstack_magic.completion")  # type: ignore[untyped-decorator,misc,unused-ignore]
    def cloudstack_matcher(context: Any) -> SimpleMatcherResult:
        try:
            fragment, found = _complete(context, get_spec, ids, get_regions)
        except Exception:  # completion must never break the shell
            fragment, found = "", []
        return SimpleMatcherResult(
            completions=[SimpleCompletion(text, type=kind) for text, kind in found],
            matched_fragment=fragment,
            suppress=bool(found),  # inside %cloudstack, Python names would only be noise
            ordered=True,
        )

    setattr(cloudstack_matcher, "id_cache", ids)  # lets tests and the magics clear the cache
    return cloudstack_matcher


def _complete(
    context: Any,
    get_spec: Callable[[], Spec],
    ids: IdCache,
    get_regions: Callable[[], Iterable[str]] | None,
) -> tuple[str, list[tuple[str, str]]]:
    """(the fragment being completed, [(completion, type)]) for the text before the cursor."""
    before = context.text_until_cursor
    fragment = _FRAGMENT.search(before).group()  # type: ignore[union-attr]
    head = before[: len(before) - len(fragment)]
    lines = context.full_text.split("\n")
    if (line := _LINE_MAGIC.match(head)) is not None:
        words, in_body = _words(line["rest"]), False
    elif context.cursor_line == 0 and _CELL_MAGIC.match(head):
        # %%cloudstack [options] [VAR]: only -r takes a value worth completing here
        first_line = _words(_CELL_MAGIC.sub("", head))
        waiting = bool(first_line) and first_line[-1] in REGION_OPTIONS
        return fragment, _regions(get_regions, fragment) if waiting else []
    elif context.cursor_line > 0 and _CELL_MAGIC.match(lines[0]):
        body = [_COMMENT.sub("", text) for text in lines[1 : context.cursor_line]]
        words, in_body = _words("\n".join([*body, head])), True
    else:
        return fragment, []

    if not in_body:
        words, pending = _skip_options(words)
        if pending in REGION_OPTIONS:
            return fragment, _regions(get_regions, fragment)
        if pending is not None or fragment.startswith("-"):
            return fragment, []
    spec = get_spec()
    commands = [w for w in words if "=" not in w]
    if not commands:
        return fragment, _commands(spec, fragment, subcommands=not in_body)
    command = commands[-1]
    if not in_body and commands[0] in SUBCOMMANDS:
        if commands == ["help"]:
            return fragment, _commands(spec, fragment, subcommands=False)
        if commands == ["use"]:
            return fragment, _regions(get_regions, fragment)
        return fragment, []
    api = spec.find(command)
    if api is None:
        return fragment, []
    given = _given_keys(words[len(words) - words[::-1].index(command) :])
    if (value := _VALUE_POSITION.search(head)) is not None:
        param = api.param(value["key"])
        return fragment, _values(spec, api, param, fragment, ids) if param else []
    return fragment, _params(api, fragment, given)


def _words(text: str) -> list[str]:
    """Shell-like words, with ``key = value`` / ``key= value`` joined into one ``key=value``."""
    merged: list[str] = []
    for word in _WORD.findall(text):
        if merged and (word.startswith("=") and "=" not in merged[-1] or merged[-1].endswith("=")):
            merged[-1] += word
        else:
            merged.append(word)
    return merged


def _skip_options(words: list[str]) -> tuple[list[str], str | None]:
    """The words after the leading options, and the option still waiting for its value."""
    index = 0
    while index < len(words) and words[index].startswith("-"):
        if words[index] in VALUE_OPTIONS:
            if index + 1 == len(words):
                return [], words[index]
            index += 1
        index += 1
    return words[index:], None


def _given_keys(words: Iterable[str]) -> set[str]:
    return {w.split("=", 1)[0].lower() for w in words if "=" in w}


def _starts(text: str, fragment: str) -> bool:
    return text.lower().startswith(fragment.lower())


def _commands(spec: Spec, fragment: str, *, subcommands: bool) -> list[tuple[str, str]]:
    found = [(name, "subcommand") for name in SUBCOMMANDS if subcommands and _starts(name, fragment)]
    found += sorted(
        ((api.name, "async command" if api.isasync else "command")
         for api in spec.values() if _starts(api.name, fragment)),
        key=lambda item: item[0].lower(),
    )
    return found


def _params(api: Api, fragment: str, given: set[str]) -> list[tuple[str, str]]:
    params = sorted(api.params, key=lambda p: (not p.required, p.name.lower()))
    return [
        (f"{p.name}=", f"{p.type}, required" if p.required else p.type)
        for p in params
        if p.name.lower() not in given and _starts(p.name, fragment)
    ]


def _values(spec: Spec, api: Api, param: Param, fragment: str, ids: IdCache) -> list[tuple[str, str]]:
    if param.type == "boolean":
        return [(v, "boolean") for v in ("true", "false") if _starts(v, fragment)]
    source = list_api_for(spec, api, param)
    if source is None:
        return []
    rows = ids.rows(*source)
    return [
        (str(row["id"]), _label(row))
        for row in rows
        if _starts(str(row["id"]), fragment) or fragment and _starts(_label(row), fragment)
    ]


def _label(row: Mapping[str, Any]) -> str:
    for key in ("name", "displayname", "username", "displaytext", "ipaddress"):
        if row.get(key):
            return str(row[key])
    return "id"


def _regions(get_regions: Callable[[], Iterable[str]] | None, fragment: str) -> list[tuple[str, str]]:
    if get_regions is None:
        return []
    return [(name, "region") for name in get_regions() if _starts(name, fragment)]


def list_api_for(spec: Spec, api: Api, param: Param) -> tuple[str, dict[str, str]] | None:
    """The list API (and the filter it needs) whose rows hold the ids ``param`` takes, or None.

    In order: a known special case (templates need ``templatefilter``); the name rule
    (``zoneid`` → ``listZones``, ``serviceofferingid`` → ``listServiceOfferings``, and a bare
    ``id`` → the command's own noun: ``stopVirtualMachine id=`` → ``listVirtualMachines``);
    then the parameter's ``related`` APIs from the spec.
    """
    name = param.name.lower()
    if not re.search(r"ids?$", name):
        return None
    if name in SPECIAL_ID_SOURCES or name.rstrip("s") in SPECIAL_ID_SOURCES:
        command, params = SPECIAL_ID_SOURCES.get(name) or SPECIAL_ID_SOURCES[name.rstrip("s")]
        return (command, dict(params)) if spec.find(command) else None
    noun = re.sub(r"ids?$", "", name) or re.sub(r"^[a-z]+", "", api.name).lower()
    candidates = [f"list{noun}s", f"list{noun}es", f"list{noun}"]
    if noun.endswith("y"):
        candidates.insert(0, f"list{noun[:-1]}ies")
    candidates += [r for r in param.related if r.lower().startswith("list")]
    for candidate in candidates:
        found = spec.find(candidate)
        if found is not None and found.name.startswith("list") and not found.required_params:
            return found.name, {}
    return None


class IdCache:
    """Rows of list APIs for id completion, kept ``ttl`` seconds, at most ``size`` entries
    (oldest dropped). A failed fetch is cached as "no rows" for the same time, so a slow or
    broken endpoint costs one wait, not one per Tab."""

    def __init__(self, fetch_rows: FetchRows, *, ttl: float = CACHE_SECONDS,
                 size: int = CACHE_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch_rows
        self._ttl, self._size, self._clock = ttl, size, clock
        self._entries: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, list[Mapping[str, Any]]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def rows(self, command: str, params: Mapping[str, str] | None = None) -> list[Mapping[str, Any]]:
        key = (command, tuple(sorted((params or {}).items())))
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            fetched = self._fetch(command, dict(params)) if params else self._fetch(command)
            rows = [r for r in fetched if isinstance(r, Mapping) and r.get("id") is not None][:MAX_IDS]
        except Exception:  # includes timeouts: no ids this time
            rows = []
        self._entries[key] = (now, rows)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return rows
