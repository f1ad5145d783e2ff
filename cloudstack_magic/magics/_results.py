"""What a call's answer turns into: the views and frames a magic returns.

Pure helpers of :mod:`._session`: ``--limit`` as one server page, ``--limit``/``--columns``
applied to a frame, frames of several regions joined with a ``region`` column (and the regions
that failed recorded in ``df.attrs``), one shape per result kind (a job that brings a resource
gives that resource), the dry-run view (keys and signature masked) and a multi-command cell's
list of results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import redact
from ..spec._replies import rows_of
from ._messages import usage_error
from ._parse import Call

if TYPE_CHECKING:
    from ..client._transport import PreparedRequest
    from ..spec._spec import Api
    from ._request import Request

__all__ = [
    "DryRunView", "Results", "combine", "created_summary", "limited_params", "resource_of", "shaped",
    "title_of",
]


class Results(list):  # type: ignore[type-arg]
    """The results of a multi-command cell: a plain list (index, len, iterate, unpack) that
    displays each item's own view — a table, a resource — under a numbered heading."""

    def __init__(self, items: list[Any], commands: list[str]) -> None:
        super().__init__(items)
        self.commands = list(commands)

    def _headings(self) -> list[str]:
        return [f"[{n}] {self.commands[n - 1] if n <= len(self.commands) else ''}".rstrip()
                for n in range(1, len(self) + 1)]

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        if cycle:
            p.text("[...]")
            return
        for index, (heading, item) in enumerate(zip(self._headings(), self, strict=True)):
            if index:
                p.break_()
                p.break_()
            p.text(heading)
            p.break_()
            p.pretty(item)  # the shell's own printers: a frame keeps its display limit

    def _repr_html_(self) -> str:
        import html

        parts = []
        for heading, item in zip(self._headings(), self, strict=True):
            parts.append(f"<h4>{html.escape(heading)}</h4>")
            parts.append(_html_of(item))
        return "\n".join(parts)


def _html_of(item: Any) -> str:
    """``item`` as the shell would show it in HTML (its registered formatters), else escaped text."""
    import html

    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            rich = shell.display_formatter.formatters.get("text/html")
            body = rich(item) if rich is not None else None
            if body:
                return str(body)
        body = item._repr_html_() if hasattr(item, "_repr_html_") else None
        if body:
            return str(body)
    except Exception:  # noqa: BLE001 -- a display must not fail; fall back to text
        pass
    return f"<pre>{html.escape(str(item))}</pre>"


def title_of(commands: list[str]) -> str:
    """A cell's progress title: repeats counted (``deployVirtualMachine ×3``, ``a ×2 + b``)."""
    counts: dict[str, int] = {}
    for command in commands:
        counts[command] = counts.get(command, 0) + 1
    return " + ".join(name if n == 1 else f"{name} ×{n}" for name, n in counts.items())




class DryRunView:
    """What would be sent — method, URL, parameters, body — with keys and signature masked."""

    def __init__(self, prepared: PreparedRequest, region: str | None) -> None:
        self.method = prepared.method
        self.url = redact(prepared.url)
        self.params = redact(dict(prepared.params or {}))
        self.body = redact(prepared.body) if prepared.body else None
        self.region = region

    def __repr__(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"  {key} = {value}" for key, value in self.params.items()]
        if self.body:
            lines.append(f"  body: {self.body}")
        lines.append("(dry run: nothing was sent)")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def limited_params(call: Call, api: Api | None, limit: int | None) -> tuple[dict[str, Any], bool | None]:
    """``--limit N`` asks a list API for one page of N rows when nothing else asks for pages."""
    params = dict(call.params)
    lowered = {k.lower() for k in params}
    if limit is None or api is None or not api.is_list or lowered & {"page", "pagesize"}:
        return params, None
    from ..client._options import DEFAULTS

    if limit <= DEFAULTS["max_page_size"]:
        params.update(page=1, pagesize=limit)
        return params, False
    return params, None


def shaped(result: Any, request: Request) -> Any:
    """Apply ``--limit`` and ``--columns`` to a frame (and refuse them for other results)."""
    if request.limit is None and not request.columns:
        return result
    if list(request.columns) == ["all"] and hasattr(result, "attrs"):
        result.attrs["display_columns"] = "all"  # shown in full by the display formatters
        request = dataclasses.replace(request, columns=())
        if request.limit is None:
            return result
    if not hasattr(result, "columns"):
        raise usage_error("--columns and --limit apply to list results only; drop them here")
    if request.limit is not None:
        attrs = dict(result.attrs)
        result = result.head(request.limit)
        result.attrs.update(attrs)
    if request.columns:
        unknown = [c for c in request.columns if c not in result.columns and c != "region"]
        if unknown:
            raise usage_error(
                f"--columns: no column {', '.join(unknown)}; available: {', '.join(map(str, result.columns))}"
            )
        attrs = dict(result.attrs)
        result = result[[c for c in request.columns if c in result.columns]]
        result.attrs.update(attrs)
    return result


def combine(by_region: dict[str, Any], request: Request, failed: Mapping[str, str] | None = None) -> Any:
    """One frame with a leading ``region`` column when every region gave a frame, else a dict.

    ``failed`` maps each region that did not answer to why; the frame's ``attrs`` record it
    (``regions``: those in the frame, ``failed_regions``: the others and why), so a smaller
    inventory is never silent.
    """
    failed = dict(failed or {})
    if request.raw or not by_region or not all(hasattr(r, "columns") for r in by_region.values()):
        return by_region
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    frames = []
    for name, frame in by_region.items():
        frame = frame.copy()
        frame.insert(0, "region", name)
        frames.append(frame)
    first = next(iter(by_region.values()))
    combined = pd.concat(frames, ignore_index=True)
    if request.columns and list(request.columns) != ["all"]:
        keep = ["region", *[c for c in request.columns if c != "region"]]
        combined = combined[[c for c in keep if c in combined.columns]]
    combined.attrs.update(first.attrs)
    combined.attrs["region"] = list(by_region)
    combined.attrs["regions"] = list(by_region)
    combined.attrs["failed_regions"] = failed
    combined.attrs["count"] = sum(int(f.attrs.get("count", len(f))) for f in by_region.values())
    return combined


def resource_of(raw: Any) -> Any:
    """One shape per result kind: the resource a finished job brought, not its wrapper.

    ``queryAsyncJobResult`` of a finished job answers ``{…, "jobresult": {"virtualmachine": {…}}}``;
    that is the job's resource, as ``deployVirtualMachine`` itself returns it, so ``r["name"]``
    works whichever way the result came. Anything else is returned as it is.
    """
    if not isinstance(raw, Mapping) or raw.get("jobstatus") != 1:
        return raw
    result = raw.get("jobresult")
    if isinstance(result, Mapping) and len(result) == 1 and isinstance(next(iter(result.values())), Mapping):
        return dict(result)
    return raw


def created_summary(raw: Any) -> str:
    """What a successful call gave back, in a few words: ``virtualmachine <id> (name)``, rows, jobid."""
    if not isinstance(raw, Mapping):
        return "done"
    if set(raw) == {"jobid"}:
        return "submitted"
    kind, rows = rows_of(raw)
    if kind is not None or set(raw) <= {"count"}:
        return f"{raw.get('count', len(rows))} rows"
    if "success" in raw:
        return f"success={raw['success']}"
    if len(raw) == 1:
        ((kind, data),) = raw.items()
        if isinstance(data, Mapping):
            words = [kind, str(data.get("id", ""))]
            if data.get("name"):
                words.append(f"({data['name']})")
            return " ".join(w for w in words if w)
    return "done"

