"""install_formatters: our frames honour the display limit with one footer; others are untouched."""

from __future__ import annotations

import pandas as pd

from cloudstack_magic.present._formatters import install_formatters
from cloudstack_magic.present._frames import to_frame


def _ours(n: int, **columns: object) -> pd.DataFrame:
    return to_frame([{"id": f"id-{i}", "name": f"n{i}", **columns} for i in range(n)], attrs={"command": "listX"})


def test_limit_cuts_our_frames_and_says_where_the_rest_is(shell):
    uninstall = install_formatters(shell, lambda: 20)
    try:
        data, _ = shell.display_formatter.format(_ours(12345))
    finally:
        uninstall()
    text, html = data["text/plain"], data["text/html"]
    assert text.splitlines()[-1] == "showing 20 of 12,345 rows — whole frame in `_`"
    assert "n19" in text and "n20" not in text
    assert "showing 20 of 12,345 rows — whole frame in <code>_</code>" in html
    assert "`" not in html
    assert html.count("</tr>") == 21  # header + 20 rows


def test_frames_within_the_limit_show_every_row_without_note(shell):
    uninstall = install_formatters(shell, lambda: 100)
    try:
        data, _ = shell.display_formatter.format(_ours(80))  # more than pandas' own 60
    finally:
        uninstall()
    assert "n79" in data["text/plain"] and "showing" not in data["text/plain"]
    assert "..." not in data["text/plain"]


def test_limit_follows_the_callable_each_time(shell):
    limit = {"value": 5}
    uninstall = install_formatters(shell, lambda: limit["value"])
    frame = _ours(50)
    first, _ = shell.display_formatter.format(frame)
    limit["value"] = 10
    second, _ = shell.display_formatter.format(frame)
    uninstall()
    assert "showing 5 of 50" in first["text/plain"]
    assert "showing 10 of 50" in second["text/plain"]


def test_no_limit_leaves_the_row_count_to_pandas_max_rows(shell):
    uninstall = install_formatters(shell, lambda: None)
    frame = _ours(1000)
    with pd.option_context("display.max_rows", 7):
        data, _ = shell.display_formatter.format(frame)
    uninstall()
    assert "showing 7 of 1,000 rows" in data["text/plain"]


def test_foreign_frames_display_exactly_as_before(shell):
    frame = pd.DataFrame({"a": range(500)})
    before, _ = shell.display_formatter.format(frame)
    uninstall = install_formatters(shell, lambda: 3)
    during, _ = shell.display_formatter.format(frame)
    uninstall()
    assert during == before
    assert "showing" not in during["text/plain"]


def test_a_previously_registered_printer_is_delegated_to_and_restored(shell):
    plain = shell.display_formatter.formatters["text/plain"]
    custom = lambda obj, p, cycle: p.text("custom frame")  # noqa: E731
    plain.for_type(pd.DataFrame, custom)
    uninstall = install_formatters(shell, lambda: 3)
    data, _ = shell.display_formatter.format(pd.DataFrame({"a": [1]}))
    assert data["text/plain"] == "custom frame"
    uninstall()
    assert plain.type_printers[pd.DataFrame] is custom
    plain.pop(pd.DataFrame)


def test_uninstall_restores_the_formatters(shell):
    formatters = shell.display_formatter.formatters
    uninstall = install_formatters(shell, lambda: 2)
    assert pd.DataFrame in formatters["text/plain"].type_printers
    uninstall()
    assert pd.DataFrame not in formatters["text/plain"].type_printers
    assert pd.DataFrame not in formatters["text/html"].type_printers
    data, _ = shell.display_formatter.format(_ours(10))
    assert "showing" not in data["text/plain"]


def test_secret_columns_are_masked_on_screen_only(shell):
    frame = _ours(3, apikey="AKEY123", secretkey="SKEY456")
    uninstall = install_formatters(shell, lambda: 20)
    data, _ = shell.display_formatter.format(frame)
    uninstall()
    for mime in ("text/plain", "text/html"):
        assert "SKEY456" not in data[mime] and "AKEY123" not in data[mime]
    assert frame.loc[0, "secretkey"] == "SKEY456"


def test_a_broken_limit_callable_does_not_break_display(shell):
    def broken() -> int:
        raise RuntimeError("no config")

    uninstall = install_formatters(shell, broken)
    frame = _ours(3)
    data, _ = shell.display_formatter.format(frame)
    uninstall()
    assert "n2" in data["text/plain"]


def test_derived_frames_keep_the_mark_and_the_limit(shell):
    uninstall = install_formatters(shell, lambda: 5)
    frame = _ours(30)
    data, _ = shell.display_formatter.format(frame[frame["id"] != "id-0"])
    uninstall()
    assert "showing 5 of 29" in data["text/plain"]
