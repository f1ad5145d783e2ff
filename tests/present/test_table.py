"""A displayed list: the resource's compact columns, one line per row, one footer, full frame kept."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pandas as pd
import pytest

from cloudstack_magic.present._columns import default_columns
from cloudstack_magic.present._formatters import install_formatters
from cloudstack_magic.present._frames import concat_frames, to_frame

from tests.present.conftest import vm_row

VM_DEFAULT = ["name", "state", "zonename", "serviceofferingname", "cpunumber", "memory", "ipaddress",
              "account", "created", "id"]


def _vms(n: int = 30) -> pd.DataFrame:
    rows = [
        vm_row(i, id=str(uuid.UUID(int=i + 1)), zonename="zone-a", serviceofferingname="Small",
               zoneid=str(uuid.UUID(int=1000 + i)),
               tags=[{"key": "env", "value": "prod"}, {"key": "team", "value": "ml"}])
        for i in range(n)
    ]
    return to_frame(rows, attrs={"command": "listVirtualMachines"})


def _show(shell: Any, frame: pd.DataFrame, *, limit: int = 20, columns: str = "default") -> dict[str, str]:
    uninstall = install_formatters(shell, lambda: limit, lambda: columns)
    try:
        data, _ = shell.display_formatter.format(frame)
    finally:
        uninstall()
    return {"text": data["text/plain"], "html": data["text/html"]}


def _text_header(text: str) -> list[str]:
    return text.splitlines()[0].split()


def _html_header(page: str) -> list[str]:
    head = page.split("</thead>")[0]
    return [h for h in re.findall(r"<th[^>]*>([^<]*)</th>", head) if h]


def test_vm_list_shows_the_vm_columns_in_text_and_html(shell):
    frame = _vms()
    shown = _show(shell, frame)
    assert _text_header(shown["text"]) == VM_DEFAULT
    assert _html_header(shown["html"]) == VM_DEFAULT
    assert len(frame.columns) == 16  # the variable still holds every column, typed
    assert frame["created"].dtype.kind == "M" and frame["cpunumber"].dtype == "int64"


def test_one_footer_says_rows_columns_where_the_frame_is_and_how_to_see_more(shell):
    shown = _show(shell, _vms(30), limit=5)
    footer = shown["text"].splitlines()[-1]
    assert footer == ("showing 5 of 30 rows and 10 of 16 columns — whole frame in `_`; every column: "
                      "`--columns all` or `%config CloudStackMagic.columns = 'all'`")
    assert "<code>_</code>" in shown["html"] and "<code>--columns all</code>" in shown["html"]
    assert "`" not in shown["html"]
    for text in shown.values():  # no second, contradicting pandas footer
        assert not re.search(r"\d+ rows\s*[x×]\s*\d+ columns", text)
        assert text.count("showing") == 1


def test_each_row_is_one_line_and_uuids_are_short_on_screen_only(shell):
    frame = _vms(3)
    shown = _show(shell, frame)
    lines = shown["text"].splitlines()
    assert len(lines) == 1 + 3 + 1  # header, rows, footer
    full = str(uuid.UUID(int=1))
    assert full[:8] + "…" in lines[1] and full not in shown["text"]
    assert f"title='{full}'" in shown["html"]  # the whole id is a hover away
    assert frame.loc[0, "id"] == full
    cells = re.findall(r"<t[dh] style='([^']*)'", shown["html"])
    assert cells and all("white-space:nowrap" in style for style in cells)


def test_nested_lists_are_short_text_and_the_address_comes_from_the_default_nic(shell):
    frame = _vms(2)
    shown = _show(shell, frame[["name", "tags", "nic", "details"]])
    assert "env=prod, team=ml" in shown["text"]
    assert "rootdisksize=8" in shown["text"]
    assert "10.0.0.1" in shown["text"] and "{" not in shown["text"] and "[" not in shown["text"]
    assert "10.0.0.1" in _show(shell, frame)["text"]  # the VM set's ipaddress column


def test_all_columns_by_config_by_frame_attr_and_in_full(shell):
    frame = _vms(3)
    by_config = _show(shell, frame, columns="all")
    assert _text_header(by_config["text"]) == [str(c) for c in frame.columns]
    assert str(uuid.UUID(int=1)) in by_config["text"]  # ids in full when everything is asked for
    assert "columns" not in by_config["text"].splitlines()[-1]
    frame.attrs["display_columns"] = "all"  # what `--columns all` sets
    assert _text_header(_show(shell, frame)["text"]) == [str(c) for c in frame.columns]


def test_a_frame_whose_columns_the_user_chose_shows_those(shell):
    frame = _vms(5)
    picked = frame[["name", "hostname"]] if "hostname" in frame else frame[["name", "zoneid", "haenable"]]
    assert _text_header(_show(shell, picked)["text"]) == list(picked.columns)
    filtered = frame[frame.cpunumber > 1]  # rows filtered: still the compact view
    assert _text_header(_show(shell, filtered)["text"]) == VM_DEFAULT


def test_regions_column_leads_a_multi_region_frame(shell):
    combined = concat_frames({"east": _vms(2), "west": _vms(2)})
    assert _text_header(_show(shell, combined)["text"]) == ["region", *VM_DEFAULT]


def test_secrets_stay_masked_in_the_compact_view(shell):
    rows = [{"id": f"u{i}", "username": f"user{i}", "apikey": "AKEY123", "secretkey": "SKEY456",
             **{f"field{j}": j for j in range(10)}} for i in range(3)]
    frame = to_frame(rows, attrs={"command": "listUsers"})
    for columns in ("default", "all"):
        for text in _show(shell, frame, columns=columns).values():
            assert "SKEY456" not in text and "AKEY123" not in text


def test_pivots_of_our_frames_render_by_pandas_without_its_dimensions_line(shell):
    frame = _vms(30)
    pivot = frame.pivot_table(index="zonename", columns="state", values="memory", aggfunc="sum")
    shown = _show(shell, pivot)
    assert "zonename" in shown["text"] and "Running" in shown["text"]
    assert not re.search(r"rows\s*[x×]", shown["text"] + shown["html"])


@pytest.mark.parametrize(
    ("command", "columns", "expected"),
    [
        # ipaddress is derived from the default NIC; a missing default column is skipped
        ("listVirtualMachines", ["id", "name", "state", "hostid", "nic", "memory", "account"],
         ["name", "state", "memory", "ipaddress", "account", "id"]),
        # the rest: names and states first, plain fields after, at most 8, id last, no nested or ids
        ("listWidgets", ["id", "name", "zoneid", "tags", "a", "b", "c", "d", "e", "f", "state"],
         ["name", "state", "a", "b", "c", "d", "e", "id"]),
        ("listWidgets", ["region", "id", "name", "size"], ["region", "name", "size", "id"]),
    ],
)
def test_default_columns(command: str, columns: list[str], expected: list[str]) -> None:
    assert default_columns(command, columns, frozenset({"tags", "nic"})) == expected


def test_an_empty_list_says_so_and_keeps_its_typed_columns(shell, spec):
    frame = to_frame([], api=spec.get("listVolumes"), attrs={"command": "listVolumes"})
    text = _show(shell, frame)["text"]
    assert text.splitlines()[-1].startswith("showing 0 rows and ")
    assert _text_header(text)[:3] == ["name", "type", "state"]


def test_every_default_column_is_a_field_cloudstack_4_18_returns(spec):
    """A misspelt default column would silently never show; the spec's response lists them."""
    from cloudstack_magic.present._columns import DEFAULTS, DERIVED_COLUMNS

    unknown = {}
    for command, columns in DEFAULTS.items():
        api = spec.get(command)
        assert api is not None, f"{command} is not a CloudStack 4.18 API"
        fields = api.response_types()
        missing = [c for c in columns if c not in fields and c not in DERIVED_COLUMNS]
        if missing:
            unknown[command] = missing
    assert unknown == {}
