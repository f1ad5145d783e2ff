"""How results look in IPython: result views, help tables, and the DataFrame display limit.

Views are small objects that know how to render themselves as plain text (``_repr_pretty_``)
and HTML (``_repr_html_``), the way IPython's own ``%lsmagic`` result does: magics return
values, and display belongs to the objects. (How DataFrames display is in ``_formatters`` and
``_table``.)

Secrets never reach the screen: fields named like ``password`` or ``secretkey`` are masked when
rendered (the data itself is untouched and stays accessible, e.g. ``view["password"]``).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._errors import REDACTED, SECRET_PARAMS

__all__ = [
    "FRAME_MARK",
    "GenericView",
    "IDENTIFYING_COLUMNS",
    "ResultView",
    "SuccessView",
    "TableView",
]

#: ``df.attrs`` key marking the frames this package made (pandas carries attrs to derived frames).
FRAME_MARK = "cloudstack_magic"
#: Columns shown first: the ones people recognise a resource by.
IDENTIFYING_COLUMNS = ("id", "name", "displayname", "username", "displaytext", "state", "status")
#: Field names masked on screen (the client's secret parameter names, plus the key pair a
#: ``listUsers``/``registerUserKeys`` answer carries).
SECRET_FIELDS = SECRET_PARAMS | {"secretkey", "privatekey"}
_WIDTH = 100  # text rendering width for values and wrapped descriptions


class View:
    """Something IPython shows as text and as HTML; ``str()`` gives the text."""

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        """What ``repr()`` shows inside the angle brackets (the full text is for display)."""
        return ""

    def __str__(self) -> str:
        return self.text()

    # Both hooks live on this class, so IPython's pretty printer (which walks the MRO and takes
    # the first class defining either) always finds _repr_pretty_ first.
    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.summary()}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())

    def _repr_html_(self) -> str:
        return self.html()


class ResultView(View, Mapping[str, Any]):
    """One resource or a job's result (``deployVirtualMachine``, ``stopVirtualMachine`` …),
    shown as a field list instead of a one-row table, and usable as a read-only dict."""

    def __init__(self, command: str, data: Mapping[str, Any], *, kind: str | None = None) -> None:
        self.command = command
        self.kind = kind
        self.data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def summary(self) -> str:
        keys = ", ".join(self._ordered_keys()[:4])
        return f"{self._title()}: {keys}{', …' if len(self) > 4 else ''}"

    def _title(self) -> str:
        return f"{self.kind} ({self.command})" if self.kind else self.command

    def _ordered_keys(self) -> list[str]:
        first = [k for k in IDENTIFYING_COLUMNS if k in self.data]
        return first + [k for k in self.data if k not in IDENTIFYING_COLUMNS]

    def _fields(self) -> list[tuple[str, str]]:
        return [(k, shorten(k, self.data[k])) for k in self._ordered_keys()]

    def text(self) -> str:
        fields = self._fields()
        width = max((len(k) for k, _ in fields), default=0)
        return "\n".join([self._title(), *(f"  {k.ljust(width)} : {v}" for k, v in fields)])

    def html(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self._fields()
        )
        return f"<div><b>{html.escape(self._title())}</b><table>{rows}</table></div>"


class SuccessView(ResultView):
    """A ``{"success": true, "displaytext": …}`` reply, said in one line."""

    @property
    def success(self) -> bool:
        value = self.data.get("success")
        return value is True or str(value).lower() == "true"

    def text(self) -> str:
        verdict = "succeeded" if self.success else "the server reported failure"
        detail = self.data.get("displaytext")
        return f"{'✓' if self.success else '✗'} {self.command} {verdict}" + (f": {detail}" if detail else "")

    def html(self) -> str:
        color = "green" if self.success else "#b00"
        return f"<div style='color:{color}'>{html.escape(self.text())}</div>"


class GenericView(ResultView):
    """Any other reply (a job id from ``--no-wait``, several objects …) as a field list."""

    def text(self) -> str:
        return super().text() if self.data else f"{self._title()}: the server sent an empty reply"


class TableView(View):
    """A titled table with optional intro lines: help, API listings, regions.

    The last column is the long one (descriptions); in text it wraps under its own column.
    """

    def __init__(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        intro: Sequence[str] = (),
        footer: str = "",
    ) -> None:
        self.title = title
        self.columns = tuple(columns)
        self.rows = [tuple("" if c is None else str(c) for c in row) for row in rows]
        self.intro = tuple(intro)
        self.footer = footer

    def __len__(self) -> int:
        return len(self.rows)

    def summary(self) -> str:
        return f"{self.title!r}: {len(self.rows)} rows"

    def text(self) -> str:
        lines = [self.title, *self.intro]
        if self.rows:
            lines.append("")
            lines.extend(_text_table(self.columns, self.rows))
        if self.footer:
            lines.extend(["", self.footer])
        return "\n".join(lines)

    def html(self) -> str:
        last = len(self.columns) - 1
        head = "".join(
            f"<th style='{_LONG_CELL if i == last else _SHORT_CELL}'>{html.escape(c)}</th>"
            for i, c in enumerate(self.columns)
        )
        body = "".join(
            "<tr>" + "".join(
                f"<td style='{_LONG_CELL if i == last else _SHORT_CELL}'>{html.escape(c)}</td>"
                for i, c in enumerate(row)
            ) + "</tr>"
            for row in self.rows
        )
        intro = "".join(f"<p>{html.escape(line)}</p>" for line in self.intro if line)
        table = (
            f"<table style='{_FITTED_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            if self.rows else ""
        )
        footer = f"<p><i>{_inline_code(self.footer)}</i></p>" if self.footer else ""
        return f"<div><b>{html.escape(self.title)}</b>{intro}{table}{footer}</div>"


#: Help tables fit the output area instead of scrolling sideways: the table takes the full
#: width, names and types stay on one line, and the last (description) column wraps between
#: words. Set on every cell because JupyterLab's rendered-HTML table CSS (right-aligned,
#: fixed layout, unwrapped) would otherwise win.
_FITTED_TABLE = "width: 100%; max-width: 100%; table-layout: auto; margin: 0; border-collapse: collapse"
_SHORT_CELL = "text-align: left; vertical-align: top; white-space: nowrap"
_LONG_CELL = (
    "text-align: left; vertical-align: top; white-space: normal; word-break: normal; "
    "overflow-wrap: anywhere; width: 100%"
)


def _inline_code(text: str) -> str:
    """Escape ``text`` for HTML, turning `backticked` spans into <code> (as the text shows them)."""
    parts = html.escape(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return html.escape(text)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [columns, *rows]) for i in range(len(columns) - 1)]
    indent = sum(widths) + 2 * len(widths)
    last_width = max(30, _WIDTH - indent)
    out = []
    for row in [columns, *rows]:
        lead = "".join(c.ljust(w + 2) for c, w in zip(row, widths))
        wrapped = textwrap.wrap(row[-1], last_width) or [""]
        out.append((lead + wrapped[0]).rstrip())
        out.extend(" " * indent + more for more in wrapped[1:])
    return out


def shorten(key: str, value: Any, width: int = _WIDTH) -> str:
    """One readable line for a field value: secrets masked, nested lists and objects compacted."""
    if key.lower() in SECRET_FIELDS and value not in (None, ""):
        return f"{REDACTED} (hidden; the value is in the result's {key!r})"
    text = _compact(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {shorten(str(k), v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        items = "; ".join(_compact(v) for v in value)
        return f"[{len(value)}] {items}" if value else "[]"
    return str(value)
