"""IPython display formatters for the frames this package made, registered without pandas.

:func:`install_formatters` adds a text/plain and a text/html printer for ``DataFrame``. Our
frames (marked in ``attrs``) display through :mod:`._table` — a compact column set, at most
``displaylimit`` rows, one footer; every other DataFrame displays exactly as before.

The printers are registered by type *name* (IPython's ``for_type_by_name``) while pandas is not
imported yet, so ``%load_ext cloudstack_magic`` does not pay for pandas; IPython binds them to the
class the first time a DataFrame is displayed. If pandas is already loaded they are registered by
type, which is what the name would resolve to anyway.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._errors import REDACTED

__all__ = ["install_formatters"]

#: Where pandas defines ``DataFrame``: its ``__module__`` is the first in pandas 2, the second
#: in releases that report public classes under the top-level package.
_DATAFRAME_NAMES = (("pandas.core.frame", "DataFrame"), ("pandas", "DataFrame"))


def install_formatters(
    shell: Any,
    get_displaylimit: Callable[[], int | None],
    get_columns: Callable[[], str] | None = None,
) -> Callable[[], None]:
    """Register the DataFrame printers on ``shell``; return the function that restores the
    previous ones.

    ``get_displaylimit()`` rows are shown (None or 0: pandas' ``display.max_rows``);
    ``get_columns()`` is ``"default"`` (each resource's compact set) or ``"all"``. Both are read
    at every display, so ``%config`` changes apply at once.
    """
    formatters = shell.display_formatter.formatters
    plain, rich = formatters["text/plain"], formatters["text/html"]

    def limit() -> int | None:
        try:
            value = get_displaylimit()
            if value:
                return int(value)
        except Exception:  # a formatter must not fail the display
            pass
        import pandas as pd

        rows = pd.get_option("display.max_rows")
        return int(rows) if rows else None

    def all_columns() -> bool:
        try:
            return get_columns is not None and str(get_columns()).strip().lower() == "all"
        except Exception:
            return False

    def as_text(frame: Any, p: Any, cycle: bool) -> None:
        if not _is_ours(frame):
            previous = text_slot.previous
            if previous is not None:
                return previous(frame, p, cycle)  # type: ignore[no-any-return]
            return _pretty_lines(repr(frame), p)
        _pretty_lines(_screen_text(frame, limit(), all_columns()), p)
        return None

    def as_html(frame: Any) -> str | None:
        if not _is_ours(frame):
            previous = html_slot.previous
            if previous is not None:
                return previous(frame)  # type: ignore[no-any-return]
            return frame._repr_html_()  # type: ignore[no-any-return]
        return _screen_html(frame, limit(), all_columns())

    text_slot, html_slot = _Slot(plain, as_text), _Slot(rich, as_html)

    def uninstall() -> None:
        text_slot.remove()
        html_slot.remove()

    return uninstall


class _Slot:
    """Our printer in one formatter, and the printer it replaced (restored on :meth:`remove`)."""

    def __init__(self, formatter: Any, printer: Callable[..., Any]) -> None:
        self.formatter = formatter
        self.printer = printer
        self.previous: Callable[..., Any] | None = None
        pandas = sys.modules.get("pandas")
        deferred = formatter.deferred_printers
        for key in _DATAFRAME_NAMES:
            if deferred.get(key) is not None:
                self.previous = deferred[key]
        if pandas is not None:
            self.previous = formatter.type_printers.get(pandas.DataFrame, self.previous)
            formatter.for_type(pandas.DataFrame, printer)
        else:
            for module, name in _DATAFRAME_NAMES:
                formatter.for_type_by_name(module, name, printer)

    def remove(self) -> None:
        types, deferred = self.formatter.type_printers, self.formatter.deferred_printers
        bound = [t for t, f in types.items() if f is self.printer]
        names = [k for k, f in deferred.items() if f is self.printer]
        for key in names:
            del deferred[key]
        for cls in bound:
            if self.previous is not None:
                types[cls] = self.previous
            else:
                del types[cls]
        if not bound and self.previous is not None and names:
            deferred[names[0]] = self.previous


def _is_ours(frame: Any) -> bool:
    from ._views import FRAME_MARK

    return bool(getattr(frame, "attrs", {}).get(FRAME_MARK))


def _is_plain_table(frame: Any) -> bool:
    """Our renderer draws one header row and a simple index; pivots and MultiIndex frames (say
    ``vms.pivot_table(...)``, which keeps our mark) are left to pandas."""
    import pandas as pd

    return (not isinstance(frame.columns, pd.MultiIndex) and not isinstance(frame.index, pd.MultiIndex)
            and frame.columns.name is None and frame.index.name is None)


def _screen_text(frame: Any, rows: int | None, all_columns: bool) -> str:
    if _is_plain_table(frame):
        from ._table import render

        return render(frame, row_limit=rows, all_columns=all_columns).text()
    shown, note = _limited(frame, rows)
    with _pandas_options(rows):
        return repr(shown) + (f"\n{note}" if note else "")


def _screen_html(frame: Any, rows: int | None, all_columns: bool) -> str | None:
    if _is_plain_table(frame):
        from ._table import render

        return render(frame, row_limit=rows, all_columns=all_columns).html()
    shown, note = _limited(frame, rows)
    with _pandas_options(rows):
        body: str | None = shown._repr_html_()
    if body is None:
        return None
    from ._views import _inline_code

    return body + (f"<p><i>{_inline_code(note)}</i></p>" if note else "")


def _limited(frame: Any, limit: int | None) -> tuple[Any, str]:
    """The rows pandas should show (secret columns masked) and the note when rows were left out."""
    from ._views import SECRET_FIELDS

    total = len(frame)
    shown = frame.head(limit) if limit and total > limit else frame
    secret = [c for c in shown.columns if str(c).lower() in SECRET_FIELDS]
    if secret:
        shown = shown.copy()
        for column in secret:
            shown[column] = shown[column].map(lambda v: v if v is None or v != v else REDACTED)
    note = ""
    if len(shown) < total:
        note = f"showing {len(shown):,} of {total:,} rows — whole frame in `_`"
    return shown, note


@contextmanager
def _pandas_options(limit: int | None) -> Iterator[None]:
    """pandas must not cut the (already cut) frame again, nor print its own "[n rows x m
    columns]" line next to our note."""
    import pandas as pd

    rows = max(limit or 0, pd.get_option("display.max_rows") or 0) or None
    with pd.option_context("display.max_rows", rows, "display.min_rows", rows,
                           "display.show_dimensions", False):
        yield


def _pretty_lines(text: str, p: Any) -> None:
    """What IPython's pretty printer does with a multi-line ``repr``: one break per line."""
    with p.group():
        for index, line in enumerate(text.splitlines()):
            if index:
                p.break_()
            p.text(line)
