"""Help and discovery text: one API's help, API listings, configured regions, and the syntax.

Everything is read from the spec (:mod:`._spec`) or the region list (:mod:`._config`) and
returned as a :class:`~._display.TableView`, so it renders as text in a terminal and as a table
in a notebook. Regions are shown by name, endpoint and source only: a key or secret never
reaches a help view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._views import TableView

if TYPE_CHECKING:
    from ..spec._spec import Api, Spec

__all__ = ["USAGE", "api_listing", "command_help", "regions_view"]

_SUMMARY_WIDTH = 90

#: The syntax, with examples; the ``%cloudstack`` magic's docstring (``%cloudstack?``) ends with it.
USAGE = """\
Syntax
------
%cloudstack [options] COMMAND key=value key="quoted value" …
    Runs one API call and returns a DataFrame for lists, or a readable view of the resource,
    job result or success reply. Values are shell-quoted; $var and {expression} interpolate
    from the notebook's variables as in other IPython magics.
x = %cloudstack …   /   %cloudstack -o x …
    Store the result in x instead of displaying it (on failure x is left untouched).
%%cloudstack [options] [VAR]
    The cell body holds a command whose parameters may span lines (key = value, # comments);
    a word without '=' starts the next command. Commands run in order (--parallel: at once).

Values
------
key=:name       the Python object `name` from the namespace: a dict becomes a map parameter
                (tags=:mytags), a list a comma-separated list, a bool true/false
key=@path       the file's text, at most 1 MiB (userdata=@cloud-init.yaml is base64-encoded, POSTed)
key=":x"        quote to send ':' or '@' literally

Discovery
---------
%cloudstack help COMMAND     the API's description, async flag and parameters
%cloudstack apis [word]      APIs whose name (or description) contains word
%cloudstack regions          configured regions (name, endpoint, source; never keys)
%cloudstack use NAME         switch the default region
%cloudstack sync [-r NAME]   store the server's own API list (help, completion, checks use it)
%cloudstack simulate start [--vms N …] | stop   a simulator in this kernel, region 'simulator'
Tab completes command names, then parameter names (required first), then ids for …id=
parameters (names shown alongside).

Examples
--------
In [1]: %load_ext cloudstack_magic
In [2]: %cloudstack listVirtualMachines state=Running
In [3]: zones = %cloudstack listZones
In [4]: %cloudstack -r prod,lab listVirtualMachines listall=true    # adds a `region` column
In [5]: %%cloudstack vm
   ...: deployVirtualMachine
   ...:     zoneid = {zones.id[0]}
   ...:     templateid = $template serviceofferingid = $offering
   ...:     userdata = @cloud-init.yaml
   ...:     tags = :mytags
In [6]: %cloudstack --dry-run stopVirtualMachine id=$vm_id    # shows the request, sends nothing
In [7]: %cloudstack --no-wait stopVirtualMachine id=$vm_id    # returns the job id at once
In [8]: %cloudstack help deployVirtualMachine
"""


def command_help(api: Api) -> TableView:
    """One API's help: description, async flag, since, and its parameters (required first)."""
    facts = ["async job: yes (the magic waits for the result; --no-wait returns the job id)"
             if api.isasync else "async job: no"]
    if api.since:
        facts.append(f"since CloudStack {api.since}")
    if api.is_list:
        facts.append("list API: every page is fetched and merged into one DataFrame")
    params = sorted(api.params, key=lambda p: (not p.required, p.name.lower()))
    required = [p.name for p in params if p.required]
    example = " ".join([f"%cloudstack {api.name}", *(f"{name}=…" for name in required)])
    return TableView(
        api.name,
        ("parameter", "type", "required", "description"),
        [(p.name, p.type, "yes" if p.required else "", p.description) for p in params],
        intro=[api.description or "(no description in the spec)", "; ".join(facts), f"usage: {example}"],
        footer="" if params else "This API takes no parameters.",
    )


def api_listing(spec: Spec, word: str = "") -> TableView:
    """The APIs matching ``word`` (by name, else by description), each with its async flag
    and the first sentence of its description."""
    hits = spec.search(word)
    version = getattr(spec, "version", "?")
    if not hits:
        close = spec.suggest(word)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return TableView(
            f"No API matches {word!r} (CloudStack {version}, {len(spec)} APIs){hint}",
            ("api", "async", "description"), [],
            footer="`%cloudstack apis` without a word lists them all.",
        )
    title = f"{len(hits)} API{'s' if len(hits) != 1 else ''}"
    title += f" matching {word!r}" if word else ""
    return TableView(
        f"{title} (CloudStack {version})",
        ("api", "async", "description"),
        [(api.name, "async" if api.isasync else "", _summary(api.description)) for api in hits],
        footer="`%cloudstack help NAME` shows an API's parameters.",
    )


def regions_view(regions: Iterable[Any], current: str | None) -> TableView:
    """Configured regions: name, endpoint and where each was read; ``*`` marks the current one.
    Keys and secrets are never read from the region objects."""
    rows = [
        ("*" if region.name == current else "", region.name, region.endpoint, region.source)
        for region in regions
    ]
    if not rows:
        return TableView(
            "No CloudStack region is configured.",
            ("", "region", "endpoint", "source"), [],
            intro=["Set CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY and CLOUDSTACK_SECRET, or add a "
                   "[cloudstack] section to ./cloudstack.ini or ~/.cloudstack.ini, or use a "
                   "CloudMonkey profile (~/.cmk/config)."],
        )
    return TableView(
        "Regions",
        ("", "region", "endpoint", "source"),
        rows,
        footer="`%cloudstack use NAME` switches the default region; `-r NAME` picks one per call.",
    )


def _summary(description: str) -> str:
    """The first sentence (or line) of a description, cut to one screen line."""
    text = " ".join(description.split())
    for end in (". ", "; "):
        if end in text:
            text = text.split(end, 1)[0] + end.strip()
            break
    return text if len(text) <= _SUMMARY_WIDTH else text[: _SUMMARY_WIDTH - 1] + "…"
