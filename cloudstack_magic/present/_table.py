"""A result frame as people read it: chosen columns, one line per row, one footer.

:func:`render` turns a frame the magic made into text (for a terminal) and HTML (for a
notebook) from the same cells: the rows and columns to show, each value as short text —
nested lists compacted (``env=prod, team=ml``), dates to the minute, UUIDs on one line (cut to
their first block by default, with the whole id in the HTML cell's tooltip), secrets masked —
and a footer saying what was left out and how to see it. pandas' own repr is not used, so its
"[20 rows x 42 columns]" cannot contradict the footer and its "…" cannot hide columns.

The frame is never changed: everything here produces strings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import REDACTED
from ._columns import DERIVED_COLUMNS, display_columns
from ._views import SECRET_FIELDS, _inline_code

__all__ = ["FrameText", "cell_text", "render"]

#: Longest value shown in a cell; the rest is in the frame.
CELL_WIDTH = 40
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: How to ask for everything, as the footer says it (backticks: code, in both renderings).
HOW_TO_SEE_ALL = "`--columns all` or `%config CloudStackMagic.columns = 'all'`"


@dataclass(frozen=True)
class FrameText:
    """One frame ready to show: headers, right-aligned (numeric) columns, cells and the footer."""

    index: list[str]
    headers: list[str]
    numeric: list[bool]
    cells: list[list[tuple[str, str]]]  # per row, per column: (shown, full)
    footer: str

    def text(self) -> str:
        rows = [[shown for shown, _ in row] for row in self.cells]
        index_width = max((len(i) for i in self.index), default=0)
        widths = [max([len(h), *(len(r[j]) for r in rows)]) for j, h in enumerate(self.headers)]

        def line(lead: str, values: Sequence[str]) -> str:
            parts = [lead.ljust(index_width)]
            for value, width, right in zip(values, widths, self.numeric):
                parts.append(value.rjust(width) if right else value.ljust(width))
            return "  ".join(parts).rstrip()

        out = [line("", self.headers), *(line(i, r) for i, r in zip(self.index, rows))]
        if self.footer:
            out.append(self.footer)
        return "\n".join(out)

    def html(self) -> str:
        def cell(tag: str, shown: str, full: str, right: bool) -> str:
            title = f" title='{html.escape(full, quote=True)}'" if full != shown else ""
            return (f"<{tag} style='{_CELL};text-align:{'right' if right else 'left'}'{title}>"
                    f"{html.escape(shown)}</{tag}>")

        head = cell("th", "", "", False) + "".join(
            cell("th", h, h, right) for h, right in zip(self.headers, self.numeric))
        body = "".join(
            "<tr>" + cell("th", i, i, False)
            + "".join(cell("td", shown, full, right) for (shown, full), right in zip(row, self.numeric))
            + "</tr>"
            for i, row in zip(self.index, self.cells)
        )
        footer = f"<p style='{_FOOTER}'>{_inline_code(self.footer)}</p>" if self.footer else ""
        return (f"<div class='cloudstack-frame' style='max-width: 100%; overflow-x: auto'>"
                f"<table class='dataframe' style='{_TABLE}'><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{footer}</div>")


# Inline styles win over JupyterLab's rendered-table CSS (fixed layout, right-aligned, wrapping)
# and leave colours to the theme, so the table reads in the dark theme too.
_TABLE = "table-layout: auto; border-collapse: collapse; margin: 0; width: auto"
_CELL = "white-space:nowrap"
_FOOTER = "margin: 0.4em 0 0 0; font-style: italic; opacity: 0.8; white-space: normal"


def render(frame: Any, *, row_limit: int | None, all_columns: bool) -> FrameText:
    """The screen form of ``frame``: at most ``row_limit`` rows (None: all) and the default
    column set unless ``all_columns`` (or the frame's ``display_columns`` attr says ``all``)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    everything = all_columns or frame.attrs.get("display_columns") == "all"
    columns = display_columns(frame, everything)
    total_rows, total_columns = len(frame), len(frame.columns)
    shown = frame.head(row_limit) if row_limit and total_rows > row_limit else frame
    short_ids = not everything
    cells: list[list[tuple[str, str]]] = [[] for _ in range(len(shown))]
    numeric = []
    for column in columns:
        values, source = _column_values(shown, column)
        numeric.append(source is not None and is_numeric_dtype(source) and not is_bool_dtype(source))
        for r, value in enumerate(values):
            cells[r].append(cell_text(column, value, short_ids=short_ids))
    footer = _footer(len(shown), total_rows, len(columns), total_columns)
    return FrameText([str(i) for i in shown.index], columns, numeric, cells, footer)


def cell_text(column: str, value: Any, *, short_ids: bool = True) -> tuple[str, str]:
    """``(shown, full)`` text of one value: ``shown`` fits a cell on one line."""
    if column.lower() in SECRET_FIELDS and not _missing(value):
        return REDACTED, REDACTED
    full = _plain(value)
    if short_ids and _UUID.match(full):
        return full[:8] + "…", full
    if len(full) > CELL_WIDTH:
        return full[: CELL_WIDTH - 1] + "…", full
    return full, full


def _column_values(frame: Any, column: str) -> tuple[list[Any], Any]:
    """The values of ``column`` (or of the derived column it names) and the series's dtype
    when it is a real column."""
    if column in frame.columns:
        series = frame[column]
        return list(series.array), series.dtype
    source, field = DERIVED_COLUMNS[column]
    return [_default_entry_field(v, field) for v in frame[source].array], None


def _default_entry_field(entries: Any, field: str) -> Any:
    """``field`` of the default entry (``isdefault``) of a nested list, else of its first."""
    if not isinstance(entries, list) or not entries:
        return None
    dicts = [e for e in entries if isinstance(e, Mapping)]
    default = next((e for e in dicts if e.get("isdefault") in (True, "true")), dicts[0] if dicts else None)
    return default.get(field) if default is not None else None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT, pd.NA compare unequal (or raise)
    except (TypeError, ValueError):
        return True


def _plain(value: Any) -> str:
    """A value as short text (see the module docstring)."""
    if isinstance(value, (list, tuple)):
        return _compact_list(list(value))
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items())
    if _missing(value):
        return ""
    strftime = getattr(value, "strftime", None)
    if strftime is not None and hasattr(value, "hour"):
        return str(strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.4g}"
    return str(value)


def _compact_list(items: list[Any]) -> str:
    """Tags as ``key=value``; other objects by their address or name; else a count."""
    if not items:
        return ""
    dicts = [i for i in items if isinstance(i, Mapping)]
    if len(dicts) != len(items):
        return ", ".join(_plain(i) for i in items)
    if all("key" in d and "value" in d for d in dicts):
        return ", ".join(f"{d['key']}={d['value']}" for d in dicts)
    for field in ("ipaddress", "name", "cidr", "id"):
        if all(field in d for d in dicts):
            return ", ".join(str(d[field]) for d in dicts)
    return f"{len(items)} item{'s' if len(items) != 1 else ''}"


def _footer(rows: int, total_rows: int, columns: int, total_columns: int) -> str:
    """One line: what is shown of what, where the rest is, how to see every column."""
    parts = []
    if total_rows == 0:
        parts.append("0 rows")
    if rows < total_rows:
        parts.append(f"{rows:,} of {total_rows:,} rows")
    if columns < total_columns:
        parts.append(f"{columns} of {total_columns} columns")
    if not parts:
        return ""
    said = "showing " + " and ".join(parts) + " — whole frame in `_`"
    if columns < total_columns:
        said += f"; every column: {HOW_TO_SEE_ALL}"
    return said

