"""to_frame: column union and order, dtypes from the spec and from values, nested kept, attrs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cloudstack_magic.present._views import FRAME_MARK
from cloudstack_magic.present._frames import to_frame
from tests.present.conftest import vm_row


def test_columns_are_the_union_of_all_rows_keys_identifying_first(spec):
    rows = [vm_row(0), vm_row(1, hostid="h-1", hostname="host-1"), vm_row(2, isoid="iso-1")]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert list(frame.columns[:4]) == ["id", "name", "displayname", "state"]
    assert {"hostid", "hostname", "isoid", "account", "nic"} <= set(frame.columns)
    assert len(frame.columns) == len(set().union(*rows))
    assert frame.loc[1, "hostname"] == "host-1"
    assert pd.isna(frame.loc[0, "hostname"]) and pd.isna(frame.loc[1, "isoid"])


def test_dates_are_timezone_aware_datetimes(spec):
    rows = [vm_row(0, created="2026-11-28T01:02:03+0000"), vm_row(1, created="2026-11-28T03:02:03+0200")]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert isinstance(frame["created"].dtype, pd.DatetimeTZDtype)
    assert frame.loc[0, "created"] == pd.Timestamp("2026-11-28T01:02:03", tz="UTC")
    assert frame.loc[1, "created"] == frame.loc[0, "created"]  # offsets respected


def test_dates_recognised_without_a_spec_by_cloudstack_format():
    frame = to_frame([{"id": "a", "when": "2026-01-02T03:04:05+0000"}, {"id": "b"}])
    assert isinstance(frame["when"].dtype, pd.DatetimeTZDtype)
    assert pd.isna(frame.loc[1, "when"])
    assert frame.loc[0, "when"].to_pydatetime() == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_unparseable_dates_stay_strings(spec):
    frame = to_frame([vm_row(0, created="yesterday")], api=spec["listVirtualMachines"])
    assert frame.loc[0, "created"] == "yesterday"


def test_integers_are_numbers_and_nullable_when_missing(spec):
    rows = [vm_row(0), vm_row(1, rootdeviceid=3), vm_row(2, cpunumber=None)]
    del rows[2]["cpunumber"]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert frame["memory"].dtype == "int64"
    assert frame["networkkbsread"].sum() == 30
    assert str(frame["cpunumber"].dtype) == "Int64"
    assert frame["cpunumber"].isna().tolist() == [False, False, True]
    assert str(frame["rootdeviceid"].dtype) == "Int64" and frame.loc[1, "rootdeviceid"] == 3


def test_large_longs_keep_their_precision():
    big = 2**62 + 1
    frame = to_frame([{"id": "a", "bytes": big}, {"id": "b"}])
    assert int(frame.loc[0, "bytes"]) == big


def test_numbers_sent_as_strings_become_numbers_when_the_spec_says_integer(spec):
    frame = to_frame([vm_row(0, memory="2048")], api=spec["listVirtualMachines"])
    assert frame.loc[0, "memory"] == 2048


def test_booleans_are_booleans_and_nullable_when_missing(spec):
    rows = [vm_row(0), vm_row(1, passwordenabled=True)]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert frame["haenable"].dtype == bool
    assert frame["haenable"].tolist() == [False, True]
    assert str(frame["passwordenabled"].dtype) == "boolean"
    assert pd.isna(frame.loc[0, "passwordenabled"]) and frame.loc[1, "passwordenabled"]


def test_nested_lists_and_objects_are_kept_as_python_objects(spec):
    rows = [vm_row(0), vm_row(1, nic=[], tags=[{"key": "a", "value": "b"}, {"key": "c", "value": "d"}])]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert frame.loc[0, "nic"] == rows[0]["nic"]
    assert frame.loc[1, "nic"] == []
    assert frame.loc[1, "tags"][1]["key"] == "c"
    assert frame.loc[0, "details"] == {"rootdisksize": "8"}


def test_strings_use_pandas_default_string_dtype(spec):
    frame = to_frame([vm_row(0), vm_row(1)], api=spec["listVirtualMachines"])
    assert pd.api.types.is_string_dtype(frame["name"].dtype)
    assert frame["name"].str.upper().tolist() == ["VM-0", "VM-1"]


def test_attrs_carry_what_was_given_and_the_mark(spec):
    frame = to_frame([vm_row(0)], api=spec["listVirtualMachines"], attrs={"command": "listVirtualMachines", "region": "lab"})
    assert frame.attrs["command"] == "listVirtualMachines"
    assert frame.attrs["region"] == "lab"
    assert frame.attrs[FRAME_MARK] is True


def test_empty_rows_give_the_spec_columns_with_types(spec):
    frame = to_frame([], api=spec["listVirtualMachines"])
    assert len(frame) == 0
    assert set(frame.columns) == set(spec["listVirtualMachines"].response_types())
    assert list(frame.columns[:2]) == ["id", "name"]
    assert isinstance(frame["created"].dtype, pd.DatetimeTZDtype)
    assert str(frame["cpunumber"].dtype) == "Int64"


def test_empty_rows_without_a_spec_give_an_empty_frame():
    frame = to_frame([])
    assert frame.shape == (0, 0)


def test_rows_from_a_generator_are_accepted():
    frame = to_frame({"id": str(i), "n": i} for i in range(3))
    assert frame["n"].tolist() == [0, 1, 2]


def test_mixed_value_types_stay_objects_instead_of_failing():
    frame = to_frame([{"id": "a", "x": 1}, {"id": "b", "x": "two"}, {"id": "c", "x": [3]}])
    assert frame["x"].tolist() == [1, "two", [3]]


def test_public_fallback_builds_the_same_frame(spec, monkeypatch):
    from cloudstack_magic.present import _frames as _frames

    rows = [vm_row(0), vm_row(1, hostid="h")]
    fast = to_frame(rows, api=spec["listVirtualMachines"])
    monkeypatch.setattr(_frames, "_private_transpose", lambda: None)
    slow = to_frame(rows, api=spec["listVirtualMachines"])
    pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize("n", [1, 1000])
def test_row_count_and_values_survive(spec, n):
    rows = [vm_row(i) for i in range(n)]
    frame = to_frame(rows, api=spec["listVirtualMachines"])
    assert len(frame) == n
    assert frame["id"].tolist() == [r["id"] for r in rows]


def test_concat_frames_adds_the_region_column_and_keeps_the_mark_and_types(spec):
    from cloudstack_magic.present._frames import concat_frames

    api = spec["listVirtualMachines"]
    lab = to_frame([vm_row(0), vm_row(1)], api=api, attrs={"command": "listVirtualMachines", "region": "lab", "count": 2})
    prod_rows = [vm_row(2)]
    del prod_rows[0]["cpunumber"]
    prod = to_frame(prod_rows, api=api, attrs={"command": "listVirtualMachines", "region": "prod", "count": 1})
    empty = to_frame([], api=api, attrs={"command": "listVirtualMachines", "region": "dr", "count": 0})
    frame = concat_frames({"lab": lab, "prod": prod, "dr": empty})
    assert frame.columns[0] == "region"
    assert frame["region"].tolist() == ["lab", "lab", "prod"]
    assert frame.attrs[FRAME_MARK] is True
    assert frame.attrs["count"] == 3 and frame.attrs["regions"] == ["lab", "prod", "dr"]
    assert frame.attrs["command"] == "listVirtualMachines" and "region" not in frame.attrs
    assert str(frame["cpunumber"].dtype) == "Int64"  # not float: the gap stays a missing value
    assert frame["cpunumber"].tolist()[:2] == [1, 2] and pd.isna(frame.loc[2, "cpunumber"])
    assert isinstance(frame["created"].dtype, pd.DatetimeTZDtype)
    assert frame.loc[2, "nic"] == prod_rows[0]["nic"]
    assert set(frame.columns) == {"region", *lab.columns}  # the empty region adds no columns


def test_concat_frames_of_empty_results_keeps_typed_columns(spec):
    from cloudstack_magic.present._frames import concat_frames

    api = spec["listZones"]
    frame = concat_frames({"a": to_frame([], api=api), "b": to_frame([], api=api)})
    assert len(frame) == 0 and frame.columns[0] == "region" and "name" in frame.columns
