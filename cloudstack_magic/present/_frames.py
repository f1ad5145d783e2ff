"""Turning CloudStack results into things people can work with: DataFrames and result views.

:func:`to_frame` builds a :class:`pandas.DataFrame` from list rows: the columns are the union of
all rows' keys (the server omits empty fields, so rows differ), identifying columns first, and
each column gets a real type — from the spec's response types when the command is known, else
from the values — so dates are timezone-aware datetimes, counters are numbers and flags are
booleans, while nested lists and objects (``nic``, ``tags``) stay Python objects.
:func:`present` decides what a whole result is: a list (a frame), one resource or job result
(a :class:`~._display.ResultView`), a success reply or anything else.

pandas is imported inside the functions only, so ``import cloudstack_magic`` stays light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..spec._replies import is_list_command
from ._columns import RECEIVED_COLUMNS
from ._views import IDENTIFYING_COLUMNS, FRAME_MARK, GenericView, ResultView, SuccessView

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..spec._spec import Api

__all__ = ["FRAME_MARK", "column_order", "concat_frames", "present", "to_frame"]

#: CloudStack's date format (``DateUtil`` ``yyyy-MM-dd'T'HH:mm:ssZ``), e.g. 2026-11-28T01:02:03+0000.
CLOUDSTACK_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_DATE_LIKE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$")

# Spec response types (listApis spells them inconsistently) -> how the column is converted.
_KIND_BY_TYPE = {
    "date": "date",
    "integer": "int",
    "int": "int",
    "long": "int",
    "short": "int",
    "float": "float",
    "double": "float",
    "boolean": "bool",
    "list": "nested",
    "set": "nested",
    "map": "nested",
    "object": "nested",
    "responseobject": "nested",
    "long[]": "nested",
    "double[]": "nested",
    "string[]": "nested",
}
# pandas.api.types.infer_dtype(skipna=True) names -> kind, for columns the spec does not type.
_KIND_BY_INFERRED = {"integer": "int", "floating": "float", "mixed-integer-float": "float",
                     "boolean": "bool", "string": "str"}
# Empty frames still get typed columns (their dtype when no value is present).
_EMPTY_DTYPE = {"date": "datetime64[ns, UTC]", "int": "Int64", "float": "float64",
                "bool": "boolean", "nested": "object", "str": "str"}


def to_frame(
    rows: Iterable[Mapping[str, Any]],
    *,
    api: Api | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One DataFrame from list rows, typed column by column (see the module docstring).

    Built column-wise: pandas' own list-of-dicts transposition, then one vectorised conversion
    per column, never a pandas call per row — 100,000 VMs take well under a second.
    With no rows the columns are the ones the spec lists for ``api``'s response.
    ``attrs`` go to ``df.attrs``, with the mark that lets the display formatters find our frames.
    """
    import pandas as pd

    rows = rows if isinstance(rows, list) else list(rows)
    types = api.response_types() if api is not None else {}
    if not rows:
        frame = _empty_frame(types)
    else:
        keys = column_order(_union_of_keys(rows))
        matrix = _rows_to_matrix(rows, keys)
        frame = pd.DataFrame(
            {key: _convert(matrix[:, j], types.get(key)) for j, key in enumerate(keys)},
            copy=False,
        )
    frame.attrs.update(attrs or {})
    frame.attrs[RECEIVED_COLUMNS] = tuple(frame.columns)
    frame.attrs[FRAME_MARK] = True
    return frame


def present(
    result: Any,
    command: str,
    *,
    api: Api | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Any:
    """The object a magic returns for ``result`` (the client's dict for ``command``).

    A list result — ``{"count": n, "<objectname>": [...]}``, or ``{}`` / ``{"count": n}`` when
    empty — becomes a DataFrame (list-ness from ``api.is_list`` when known, else from the shape);
    ``{"<objectname>": {...}}`` (one resource, a finished job's result) a :class:`ResultView`;
    ``{"success": ...}`` a one-line :class:`SuccessView`; anything else a :class:`GenericView`.
    """
    frame_attrs = {"command": command, **(attrs or {})}
    if isinstance(result, list) and all(isinstance(r, Mapping) for r in result):
        return to_frame(result, api=api, attrs=frame_attrs)
    if not isinstance(result, Mapping):
        return GenericView(command, {"result": result})
    rows_key = _rows_key(result)
    if rows_key is not None or _only_count(result) and is_list_command(command, api):
        rows = result[rows_key] if rows_key is not None else []
        frame_attrs.setdefault("count", result.get("count", len(rows)))
        return to_frame(rows, api=api, attrs=frame_attrs)
    if "success" in result and set(result) <= {"success", "displaytext"}:
        return SuccessView(command, result)
    if len(result) == 1:
        ((kind, data),) = result.items()
        if isinstance(data, Mapping):
            return ResultView(command, data, kind=kind)
    return GenericView(command, result)


def concat_frames(
    frames: Mapping[str, pd.DataFrame],
    *,
    key: str = "region",
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One frame from several (``-r a,b``: region name → that region's frame), with a ``key``
    column first, saying where each row came from.

    ``pandas.concat`` drops ``attrs`` that differ between inputs (and with them our display
    mark), and turns an int column missing from one input into floats; this keeps both right.
    ``attrs`` of the result: the given ones, else the first frame's, with ``count`` summed.
    """
    import pandas as pd

    names = list(frames)
    # empty inputs only contribute their typed columns when every input is empty
    used = {n: frames[n] for n in names if len(frames[n])} or {n: frames[n] for n in names[:1]}
    union = column_order(dict.fromkeys(c for f in used.values() for c in f.columns))
    parts = []
    for name, part in used.items():
        gaps = [c for c in part.columns if any(c not in other.columns for other in used.values())]
        widen = {c: "Int64" for c in gaps if part[c].dtype == "int64"}
        widen.update({c: "boolean" for c in gaps if part[c].dtype == bool})
        part = part.astype(widen) if widen else part
        part = part.reindex(columns=[c for c in union if c in part.columns])
        part.insert(0, key, pd.Series([name] * len(part), index=part.index, dtype=object).infer_objects())
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({key: []})
    frame = frame.reindex(columns=[key, *(c for c in union if c != key)])
    first = frames[names[0]].attrs if names else {}
    merged: dict[Any, Any] = dict(attrs) if attrs is not None else {k: v for k, v in first.items() if k != key}
    if attrs is None and all("count" in f.attrs for f in frames.values()):
        merged["count"] = sum(f.attrs["count"] for f in frames.values())
    merged.setdefault("regions", names)
    frame.attrs = {**merged, RECEIVED_COLUMNS: tuple(frame.columns), FRAME_MARK: True}
    return frame


def column_order(keys: Iterable[str]) -> list[str]:
    """Identifying columns (``id``, ``name``, ``displayname``, ``state`` …) first, then the rest
    in the order given."""
    keys = list(keys)
    present_keys = set(keys)
    first = [k for k in IDENTIFYING_COLUMNS if k in present_keys]
    return first + [k for k in keys if k not in IDENTIFYING_COLUMNS]


def _rows_key(result: Mapping[str, Any]) -> str | None:
    """The key holding the rows in a list result: the one list-of-objects value besides ``count``."""
    candidates = [
        key for key, value in result.items()
        if key != "count" and isinstance(value, list) and all(isinstance(v, Mapping) for v in value)
    ]
    others = set(result) - {"count", *candidates}
    return candidates[0] if len(candidates) == 1 and not others else None


def _only_count(result: Mapping[str, Any]) -> bool:
    return set(result) <= {"count"}


def _union_of_keys(rows: list[Mapping[str, Any]]) -> list[str]:
    """Every key of every row: the widest row's order (the server's field order), then keys no
    single row shows in full, sorted. A set union runs at C speed; an ordered one would not."""
    widest = max(rows, key=len)
    extra = set().union(*rows).difference(widest)
    return list(widest) + sorted(extra)


def _rows_to_matrix(rows: list[Mapping[str, Any]], keys: list[str]) -> np.ndarray:
    """A 2-D object array (row × key; None where a row lacks the key).

    Uses the routine ``pandas.DataFrame(list_of_dicts)`` itself runs (``lib.dicts_to_array``):
    it is several times faster than any pure-Python transposition. It is private, so a public
    fallback keeps this working if a pandas release moves it.
    """
    import pandas as pd

    transpose = _private_transpose()
    if transpose is not None:
        try:
            plain = rows if all(type(r) is dict for r in rows) else [dict(r) for r in rows]
            return transpose(plain, keys)
        except (TypeError, ValueError):
            pass
    matrix: np.ndarray = pd.DataFrame(rows, columns=keys, dtype=object).to_numpy(dtype=object)
    return matrix


def _private_transpose() -> Callable[[list[Any], list[str]], np.ndarray] | None:
    try:
        from pandas._libs.lib import dicts_to_array  # type: ignore[attr-defined]
    except ImportError:
        return None
    return dicts_to_array  # type: ignore[no-any-return]


def _convert(values: np.ndarray, spec_type: str | None) -> Any:
    """One column: typed by the spec when it names a convertible type, else by the values;
    values that do not fit the type leave the column as it came (strings or objects)."""
    import pandas as pd
    from pandas.api.types import infer_dtype

    kind = _KIND_BY_TYPE.get(spec_type or "")
    inferred = infer_dtype(values, skipna=True)
    if kind is None or kind == "nested" and inferred != "mixed" and inferred != "empty":
        kind = _KIND_BY_INFERRED.get(inferred, "nested" if kind == "nested" else None)
        if kind == "str" and _looks_like_dates(values):
            kind = "date"
    try:
        if kind == "date":
            return _to_dates(values)
        if kind == "int":
            return _to_ints(values, inferred)
        if kind == "float":
            return pd.to_numeric(pd.Series(values, dtype=object), errors="raise").astype("float64")
        if kind == "bool" and inferred == "boolean":
            return values.astype(bool) if not pd.isna(values).any() else pd.array(values, dtype="boolean")
    except (ValueError, TypeError, OverflowError):
        pass
    if kind == "nested" or inferred in ("mixed", "empty"):
        return pd.Series(values, dtype=object)
    return pd.Series(values, dtype=object).infer_objects()


def _to_dates(values: np.ndarray) -> Any:
    import pandas as pd

    try:
        return pd.to_datetime(values, format=CLOUDSTACK_DATE_FORMAT, utc=True)
    except (ValueError, TypeError):
        return pd.to_datetime(values, format="ISO8601", utc=True)


def _to_ints(values: np.ndarray, inferred: str) -> Any:
    """int64 when every row has a value, nullable Int64 otherwise (missing stays missing
    instead of turning the column into floats)."""
    import numpy as np
    import pandas as pd

    if inferred not in ("integer", "empty"):  # numbers sent as strings, say
        return pd.to_numeric(pd.Series(values, dtype=object), errors="raise").astype("Int64")
    missing = pd.isna(values)
    if not missing.any():
        return values.astype(np.int64)
    data = np.where(missing, 0, values).astype(np.int64)
    return pd.arrays.IntegerArray(data, missing)


def _looks_like_dates(values: np.ndarray) -> bool:
    """Whether a string column holds CloudStack dates (judged by its first value; parsing then
    checks every value, and a failure keeps the strings)."""
    import pandas as pd

    for value in values:
        if not pd.isna(value):
            return isinstance(value, str) and _DATE_LIKE.match(value) is not None
    return False


def _empty_frame(types: Mapping[str, str]) -> pd.DataFrame:
    """A frame with no rows and the spec's response columns, each with its eventual dtype."""
    import pandas as pd

    identifying = [k for k in IDENTIFYING_COLUMNS if k in types]
    keys = identifying + sorted(k for k in types if k not in IDENTIFYING_COLUMNS)
    columns = {}
    for key in keys:
        kind = _KIND_BY_TYPE.get(types[key], "nested" if types[key].endswith("response") else "str")
        columns[key] = pd.Series([], dtype=_EMPTY_DTYPE[kind])
    return pd.DataFrame(columns)
