"""Tab completion for ``%cloudstack``: an IPython v2 context matcher.

It completes after ``%cloudstack `` (also in ``x = %cloudstack ``) and inside ``%%cloudstack``
cell bodies: command names first, then that command's parameters as ``key=`` (required ones
first, those already given left out), and after ``key=`` only that parameter's values:
``true``/``false`` for booleans, the values its description documents
(:mod:`._completion_values`: ``templatefilter=`` → featured, self, …), and for ``…id=``
parameters the ids of existing resources — with their names as the completion type — from
the related list API. After ``-`` it offers the magic's own options, after ``-r`` the region
names, after ``--progress`` the progress modes.

The matcher *claims* every position inside the magic: Python names (and IPython's slow Jedi
pass) never answer there, also when there is nothing to offer (an unknown parameter, an id
list from an unreachable region). IPython only lets a matcher suppress the others when it
returns at least one completion, so such a position answers with one completion that leaves
the text as it is. A value starting with ``@`` names a file to read
(``userdata=@cloud-init.yaml``): file names are offered there. Completion types are kept short (``uuid · required``):
JupyterLab's popup wraps long ones over the rows below.

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

from ._completion_values import documented_values

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
MAX_FILES = 200
#: Longest completion type shown: JupyterLab's popup wraps longer ones onto a second line.
MAX_LABEL = 28
#: The completion type of the one text-keeping completion a claimed empty position gets.
NOTHING = "no values to offer"

_LINE_MAGIC = re.compile(r"^\s*(?:[\w.\[\], ]+=\s*)?%" + MAGIC + r"\s(?P<rest>.*)$")
_CELL_MAGIC = re.compile(r"^\s*%%" + MAGIC + r"\b")
_WORD = re.compile(r"""(?:[^\s"']+|"[^"]*"?|'[^']*'?)+""")
_VALUE_POSITION = re.compile(r"(?P<key>[A-Za-z_][\w.\[\]-]*)\s*=\s*(?:[^\s=,]*,)*$")
_FRAGMENT = re.compile(r"[^\s=,]*$")
_COMMENT = re.compile(r"(?:^|\s)#.*$")

FetchRows = Callable[..., Sequence[Mapping[str, Any]]]
Found = list[tuple[str, str]]
#: (flags, metavar or "" for a switch, help) of one option of the magic.
Option = tuple[tuple[str, ...], str, str]


def make_matcher(
    get_spec: Callable[[], Spec],
    fetch_rows: FetchRows,
    *,
    get_regions: Callable[[], Iterable[str]] | None = None,
    cache: IdCache | None = None,
    get_options: Callable[[], Sequence[Option]] | None = None,
) -> Any:
    """The matcher to append to ``shell.Completer.custom_matchers`` (remove it to unregister).

    ``get_spec()`` gives the spec to complete from (packaged or live); ``fetch_rows`` lists
    resources for id completion; ``get_regions()`` (optional) gives region names for ``-r`` and
    ``use``; ``get_options()`` the magic's options (default: read from the magic's own argument
    parser, so the two never disagree). Nothing here raises into IPython: a failing callable
    means fewer completions.
    """
    from IPython.core.completer import SimpleCompletion, SimpleMatcherResult, context_matcher

    ids = cache if cache is not None else IdCache(fetch_rows)
    options = get_options if get_options is not None else magic_options

    @context_matcher(identifier="cloudstack_magic.completion")  # type: ignore[untyped-decorator,misc,unused-ignore]
    def cloudstack_matcher(context: Any) -> SimpleMatcherResult:
        try:
            answer = _complete(context, get_spec, ids, get_regions, options)
        except Exception:  # completion must never break the shell
            answer = None
        if answer is None:  # not ours: IPython's own matchers answer
            return SimpleMatcherResult(completions=[], suppress=False)
        fragment, found = answer
        if not found:  # ours, with nothing to offer: keep the text, keep Python names out
            found = [(fragment, NOTHING)]
        return SimpleMatcherResult(
            completions=[SimpleCompletion(text, type=unbreakable(kind)) for text, kind in found],
            matched_fragment=fragment,
            suppress=True,  # inside %cloudstack, Python names would only be noise
            ordered=True,
        )

    setattr(cloudstack_matcher, "id_cache", ids)  # lets tests and the magics clear the cache
    return cloudstack_matcher


def _complete(
    context: Any,
    get_spec: Callable[[], Spec],
    ids: IdCache,
    get_regions: Callable[[], Iterable[str]] | None,
    get_options: Callable[[], Sequence[Option]],
) -> tuple[str, Found] | None:
    """(the fragment being completed, [(completion, type)]) for the text before the cursor, or
    None when the cursor is not inside ``%cloudstack`` (or in a ``@file`` value)."""
    before = context.text_until_cursor
    fragment = _FRAGMENT.search(before).group()  # type: ignore[union-attr]
    head = before[: len(before) - len(fragment)]
    lines = context.full_text.split("\n")
    if (line := _LINE_MAGIC.match(head)) is not None:
        words, in_body = _words(line["rest"]), False
    elif context.cursor_line == 0 and _CELL_MAGIC.match(head):
        # %%cloudstack [options] [VAR]: options, and -r's value
        first_line = _words(_CELL_MAGIC.sub("", head))
        if first_line and first_line[-1] in VALUE_OPTIONS:
            return fragment, _option_values(first_line[-1], fragment, get_regions)
        return fragment, _options(get_options, fragment, first_line) if fragment.startswith("-") else []
    elif context.cursor_line > 0 and _CELL_MAGIC.match(lines[0]):
        body = [_COMMENT.sub("", text) for text in lines[1 : context.cursor_line]]
        words, in_body = _words("\n".join([*body, head])), True
    else:
        return None

    value = _VALUE_POSITION.search(head)
    if value is not None and fragment.startswith("@"):
        return fragment, _files(fragment)  # key=@file: the value is read from that file
    if not in_body:
        given_options = words
        words, pending = _skip_options(words)
        if pending is not None:
            return fragment, _option_values(pending, fragment, get_regions)
        if value is None and fragment.startswith("-"):
            return fragment, _options(get_options, fragment, given_options)
    spec = get_spec()
    commands = [w for w in words if "=" not in w]
    if not commands:
        return fragment, [] if value is not None else _commands(spec, fragment, subcommands=not in_body)
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
    if value is not None:
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


def _commands(spec: Spec, fragment: str, *, subcommands: bool) -> Found:
    found = [(name, "subcommand") for name in SUBCOMMANDS if subcommands and _starts(name, fragment)]
    found += sorted(
        ((api.name, "async command" if api.isasync else "command")
         for api in spec.values() if _starts(api.name, fragment)),
        key=lambda item: item[0].lower(),
    )
    return found


def _params(api: Api, fragment: str, given: set[str]) -> Found:
    params = sorted(api.params, key=lambda p: (not p.required, p.name.lower()))
    return [
        (f"{p.name}=", f"{p.type} · required" if p.required else p.type)
        for p in params
        if p.name.lower() not in given and _starts(p.name, fragment)
    ]


def _values(spec: Spec, api: Api, param: Param, fragment: str, ids: IdCache) -> Found:
    """Only what ``param`` takes: booleans, documented values, or ids of existing resources."""
    if param.type == "boolean":
        return [(v, "boolean") for v in ("true", "false") if _starts(v, fragment)]
    documented = documented_values(param.description)
    if documented:
        return [(v, f"{param.name} value") for v in documented if _starts(v, fragment)]
    source = list_api_for(spec, api, param)
    if source is None:
        return []
    rows = ids.rows(*source)
    return [
        (str(row["id"]), _short(_label(row)))
        for row in rows
        if _starts(str(row["id"]), fragment) or fragment and _starts(_label(row), fragment)
    ]


def _label(row: Mapping[str, Any]) -> str:
    for key in ("name", "displayname", "username", "displaytext", "ipaddress"):
        if row.get(key):
            return str(row[key])
    return "id"


#: JupyterLab squeezes the type column next to a long completion (a uuid) and breaks the type at
#: spaces and hyphens, over the row below: non-breaking ones keep each type on its line.
_UNBREAKABLE = str.maketrans({" ": "\u00a0", "-": "\u2011"})


def unbreakable(label: str) -> str:
    """``label`` with non-breaking spaces and hyphens (it is shown, never inserted)."""
    return label.translate(_UNBREAKABLE)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _files(fragment: str) -> Found:
    """``@path`` completions for a value read from a file; folders end with ``/``."""
    import glob
    import os

    pattern = os.path.expanduser(fragment[1:]) + "*"
    found: Found = []
    for path in sorted(glob.glob(pattern))[:MAX_FILES]:
        typed = fragment[1:] + path[len(os.path.expanduser(fragment[1:])):]
        found.append((f"@{typed}/", "folder") if os.path.isdir(path) else (f"@{typed}", "file"))
    return found


def magic_options() -> list[Option]:
    """The options ``%cloudstack`` accepts, read from its argument parser (the one truth)."""
    from ._magics import CloudStackMagic

    parser = getattr(CloudStackMagic.cloudstack, "parser")  # set by @magic_arguments
    return [
        (tuple(action.option_strings), "" if action.nargs == 0 else str(action.metavar or "VALUE"),
         str(action.help or ""))
        for action in parser._actions
        if action.option_strings and "--help" not in action.option_strings
    ]


def _options(get_options: Callable[[], Sequence[Option]], fragment: str, given: Iterable[str]) -> Found:
    """Option names for ``-``/``--``: long names, and short ones once ``-`` alone is typed;
    options already on the line are left out."""
    used = set(given)
    found: Found = []
    for flags, metavar, _help in get_options():
        if used & set(flags):
            continue
        for flag in flags:
            if _starts(flag, fragment) and (flag.startswith("--") or fragment in ("-", flag)):
                found.append((flag, _short(metavar or "switch")))
    return sorted(found, key=lambda item: (item[0].lstrip("-").lower(), item[0]))


def _option_values(option: str, fragment: str, get_regions: Callable[[], Iterable[str]] | None) -> Found:
    """What the option waiting for its value takes: region names, progress modes, or nothing
    to offer (a variable name, a number, column names)."""
    if option in REGION_OPTIONS:
        return _regions(get_regions, fragment)
    if option == "--progress":
        from ..progress._reporter import MODES

        return [(mode, "progress mode") for mode in MODES if _starts(mode, fragment)]
    return []


def _regions(get_regions: Callable[[], Iterable[str]] | None, fragment: str) -> Found:
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
