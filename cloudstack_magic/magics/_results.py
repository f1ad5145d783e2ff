"""What a call's answer turns into, and the words for what went wrong.

Pure helpers of :mod:`._session`: the packaged-spec check of a call (exact command name,
missing required parameters, before anything is sent), ``--limit`` as one server page,
``--limit``/``--columns`` applied to a frame, frames of several regions joined with a ``region``
column, the dry-run view (keys and signature masked) and one-line error and cancel messages.
"""

from __future__ import annotations

import dataclasses

from typing import TYPE_CHECKING, Any

from .._errors import APIError, CloudStackClientException, JobError, redact
from ._parse import Call

if TYPE_CHECKING:
    from ._session import Request
    from ..spec._spec import Api, Spec

__all__ = [
    "DryRunView", "cancel_message", "checked", "combine", "explain", "limited_params", "one_line", "shaped",
    "Results", "created_summary", "failure_report", "title_of",
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


def usage_error(message: str) -> Exception:
    from IPython.core.error import UsageError

    return UsageError(message)


class DryRunView:
    """What would be sent — method, URL, parameters, body — with keys and signature masked."""

    def __init__(self, prepared: Any, region: str | None) -> None:
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


def checked(call: Call) -> tuple[Api | None, Call]:
    """The API for ``call`` from the packaged spec (case-forgiving name); missing required ones."""
    from ..spec._spec import packaged_spec

    spec: Spec = packaged_spec()
    api = spec.find(call.command)
    if api is None:
        return None, call
    if api.name != call.command:
        call = Call(api.name, call.params, call.files)
    given = {name.lower().split("[", 1)[0] for name in call.params}
    missing = [p.name for p in api.required_params if p.name.lower() not in given]
    if missing:
        raise usage_error(
            f"{api.name} needs {', '.join(missing)} (add {missing[0]}=…; "
            f"%cloudstack help {api.name} lists the parameters)"
        )
    return api, call


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


def combine(by_region: dict[str, Any], request: Request) -> Any:
    """One frame with a leading ``region`` column when every region gave a frame, else a dict."""
    if request.raw or not all(hasattr(r, "columns") for r in by_region.values()):
        return by_region
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    frames = []
    for name, frame in by_region.items():
        frame = frame.copy()
        frame.insert(0, "region", name)
        frames.append(frame)
    first = next(iter(by_region.values()))
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs.update(first.attrs)
    combined.attrs["region"] = list(by_region)
    combined.attrs["count"] = sum(int(f.attrs.get("count", len(f))) for f in by_region.values())
    if request.columns and list(request.columns) != ["all"]:
        keep = ["region", *[c for c in request.columns if c != "region"]]
        combined = combined[[c for c in keep if c in combined.columns]]
        combined.attrs.update(first.attrs, region=list(by_region))
    return combined


def explain(exc: CloudStackClientException, call: Call, api: Api | None) -> None:
    """Add the hint the server's words lack: a close command name, the job id."""
    from ..spec._spec import packaged_spec

    if api is None and isinstance(exc, APIError) and getattr(exc, "status", None) == 401:
        # A command the packaged spec lacks and a 401: most likely a typo (the server answers
        # an unknown command as a signature failure), so lead with that, credentials last.
        spec = packaged_spec()
        close = spec.suggest(call.command)
        guess = f" — did you mean {' or '.join(close[:3])}?" if close else ""
        exc.message = (
            f"{call.command}: no such API in CloudStack {spec.version} and the server refused it (401)"
            f"{guess} (if the command is right, check the key, secret and clock)"
        )
    elif api is None and isinstance(exc, APIError):
        close = packaged_spec().suggest(call.command)
        if close and "did you mean" not in exc.message:
            exc.message = f"{exc.message} (did you mean {' or '.join(close[:3])}?)"
    jobid = getattr(exc, "jobid", None)
    if isinstance(exc, JobError) and jobid and jobid not in exc.message:
        exc.message = f"{exc.message} (job {jobid})"
    exc.args = (exc.message,)


def one_line(exc: CloudStackClientException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text)  # type: ignore[no-any-return]


def cancel_message(pending: list[tuple[str, str]], *, listed: bool = False) -> str:
    """What stopping left behind; ``listed``: the progress view already shows the jobs' lines."""
    if not pending:
        return "cancelled; no job was left running"
    if listed:
        jobs = ", ".join(f"{command} {jobid}" for command, jobid in pending)
        return f"cancelled; still running on the server: {jobs} (check with the lines above)"
    lines = ["cancelled; still running on the server (check later):"]
    lines += [f"  %cloudstack queryAsyncJobResult jobid={jobid}    # {command}" for command, jobid in pending]
    return "\n".join(lines) if len(pending) > 1 else lines[0] + " " + lines[1].strip()


def created_summary(raw: Any) -> str:
    """What a successful call gave back, in a few words: ``virtualmachine <id> (name)``, rows, jobid."""
    from collections.abc import Mapping

    if not isinstance(raw, Mapping):
        return "done"
    if set(raw) == {"jobid"}:
        return "submitted"
    lists = [(key, value) for key, value in raw.items() if isinstance(value, list)]
    if lists or set(raw) <= {"count"}:
        return f"{raw.get('count', len(lists[0][1]) if lists else 0)} rows"
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


def failure_report(outcomes: list[tuple[str, str, str]]) -> str:
    """The one message of a multi-command cell where something failed: a line per command.

    ``outcomes`` are ``(command, status, detail)`` with status ``succeeded``, ``failed`` or
    ``not run``; a succeeded line keeps its job id and created resource so nothing the server did
    is hidden (the output variable is left untouched, so this message is all the user gets).
    """
    failed = sum(1 for _, status, _ in outcomes if status == "failed")
    skipped = sum(1 for _, status, _ in outcomes if status == "not run")
    head = f"{failed} of {len(outcomes)} commands failed"
    if skipped:
        head += f", {skipped} not run"
    lines = [head + ":"]
    for number, (command, status, detail) in enumerate(outcomes, 1):
        lines.append(f"  [{number}] {command} {status}" + (f": {detail}" if detail else ""))
    return "\n".join(lines)
