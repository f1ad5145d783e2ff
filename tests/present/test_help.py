"""Help views: an API's help, API listings, regions (never secrets), and the usage text."""

from __future__ import annotations

from cloudstack_magic.config._regions import Region
from cloudstack_magic.present._help import USAGE, api_listing, command_help, regions_view


def test_command_help_lists_required_parameters_first(spec):
    api = spec["deployVirtualMachine"]
    view = command_help(api)
    names = [row[0] for row in view.rows]
    required = {p.name for p in api.required_params}
    assert set(names[: len(required)]) == required
    assert all(row[2] == "" for row in view.rows[len(required) :])
    assert len(names) == len(api.params)
    text = view.text()
    assert text.startswith("deployVirtualMachine\n")
    assert api.description in text
    assert "async job: yes" in text
    assert "usage: %cloudstack deployVirtualMachine serviceofferingid=… templateid=… zoneid=…" in text
    assert "parameter" in text and "required" in text


def test_command_help_for_a_sync_list_api(spec):
    text = command_help(spec["listZones"]).text()
    assert "async job: no" in text
    assert "list API" in text


def test_command_help_renders_html(spec):
    html = command_help(spec["listZones"])._repr_html_()
    assert "<table " in html and ">parameter</th>" in html
    assert "Lists zones" in html


def _styles(html, tag):
    """The inline style of every ``tag`` element, in document order."""
    import re

    return re.findall(rf"<{tag} style='([^']*)'>", html)


def test_help_and_api_tables_fit_the_output_width_and_wrap_descriptions_only(spec):
    for view in (command_help(spec["deployVirtualMachine"]), api_listing(spec, "VirtualMachine")):
        html = view._repr_html_()
        (table,) = _styles(html, "table")
        assert "width: 100%" in table and "table-layout: auto" in table
        width = len(view.columns)
        cells = _styles(html, "th") + _styles(html, "td")
        assert len(cells) == width * (len(view.rows) + 1)
        for i, style in enumerate(cells):
            assert "text-align: left" in style
            if i % width == width - 1:  # the description column wraps between words
                assert "white-space: normal" in style and "word-break: normal" in style
            else:  # names, types and flags stay on one line
                assert "white-space: nowrap" in style


def test_api_listing_filters_by_word_with_async_flag(spec):
    view = api_listing(spec, "virtualmachine")
    names = [row[0] for row in view.rows]
    assert "listVirtualMachines" in names and "deployVirtualMachine" in names
    assert all("virtualmachine" in n.lower() for n in names)
    flags = dict((row[0], row[1]) for row in view.rows)
    assert flags["deployVirtualMachine"] == "async" and flags["listVirtualMachines"] == ""
    assert view.title.startswith(f"{len(names)} APIs matching 'virtualmachine'")


def test_api_listing_without_word_lists_everything(spec):
    assert len(api_listing(spec)) == len(spec)


def test_api_listing_descriptions_are_one_line(spec):
    for row in api_listing(spec).rows:
        assert "\n" not in row[2] and len(row[2]) <= 90


def test_api_listing_with_no_match_says_so(spec):
    view = api_listing(spec, "listVirtualMachinez")
    assert len(view) == 0
    assert "No API matches 'listVirtualMachinez'" in view.text()
    assert "did you mean" in view.text()


def test_regions_view_shows_name_endpoint_source_and_never_secrets():
    regions = [
        Region("lab", "http://127.0.0.1:8080/client/api", "KEY-abc", "SECRET-xyz", "./cloudstack.ini"),
        Region("prod", "https://cloud.example/client/api", "KEY-def", "SECRET-uvw", "environment"),
    ]
    view = regions_view(regions, "prod")
    text, html = view.text(), view._repr_html_()
    for secret in ("KEY-abc", "SECRET-xyz", "KEY-def", "SECRET-uvw"):
        assert secret not in text and secret not in html and secret not in repr(view)
    assert view.rows[1] == ("*", "prod", "https://cloud.example/client/api", "environment")
    assert view.rows[0][0] == ""


def test_regions_view_without_regions_says_how_to_configure():
    text = regions_view([], None).text()
    assert "No CloudStack region is configured" in text
    assert "CLOUDSTACK_ENDPOINT" in text


def test_usage_explains_syntax_with_examples():
    for piece in ("%cloudstack [options] COMMAND", "%%cloudstack", "key=:name", "key=@path",
                  "help COMMAND", "apis [word]", "regions", "use NAME", "In [2]:"):
        assert piece in USAGE


def test_footer_backticks_render_as_code_in_html(spec):
    html = api_listing(spec, "Zone")._repr_html_()
    assert "<code>%cloudstack help NAME</code>" in html
    assert "`" not in html
