"""Tab completion through IPython's real completer: after %cloudstack, in x = %cloudstack,
and inside %%cloudstack bodies — commands, parameters, and ids from a fake fetch_rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloudstack_magic.magics._completion import NOTHING, IdCache, list_api_for, make_matcher, unbreakable

ZONES = [{"id": "z-111", "name": "Zone One"}, {"id": "z-222", "name": "Zone Two"}]
TEMPLATES = [{"id": "t-1", "name": "tiny linux"}]


class FakeFetch:
    """fetch_rows stand-in recording calls; raises for commands it does not know."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, command: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        self.calls.append((command, params) if params else (command,))
        if command == "listZones":
            return ZONES
        if command == "listTemplates" and params == {"templatefilter": "executable"}:
            return TEMPLATES
        raise TimeoutError("no answer in time")


@pytest.fixture
def fetch() -> FakeFetch:
    return FakeFetch()


@pytest.fixture
def ip(shell, spec, fetch) -> Iterator[Any]:
    matcher = make_matcher(lambda: spec, fetch, get_regions=lambda: ["lab", "prod"])
    shell.Completer.custom_matchers.append(matcher)
    yield shell
    shell.Completer.custom_matchers.remove(matcher)


def complete(ip: Any, text: str) -> list[Any]:
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():
        return list(ip.Completer.completions(text, len(text)))


def texts(ip: Any, text: str) -> list[str]:
    """Everything IPython offers (when we have answers, we suppress the other matchers)."""
    return [c.text for c in complete(ip, text)]


def ours(ip: Any, text: str) -> list[str]:
    """Only what our matcher offered (when it leaves a position to IPython, its own matchers
    may answer — e.g. file names after ``key=@``), without the text-keeping placeholder."""
    return [c.text for c in complete(ip, text)
            if c._origin == "cloudstack_magic.completion" and c.type != unbreakable(NOTHING)]


def claims_with_nothing(ip: Any, text: str) -> bool:
    """Our matcher took the position and offers nothing: one completion that keeps the text
    as it is (IPython lets a matcher silence the others only when it answers something)."""
    found = complete(ip, text)
    if len(found) != 1 or found[0]._origin != "cloudstack_magic.completion" or found[0].type != unbreakable(NOTHING):
        return False
    (only,) = found
    return only.end == len(text) and text[only.start:only.end] == only.text


def test_command_names_after_the_line_magic(ip):
    found = complete(ip, "%cloudstack listVirtualM")
    assert [c.text for c in found] == ["listVirtualMachines", "listVirtualMachinesMetrics", "listVirtualMachinesUsageHistory"]
    assert {c.type for c in found} == {"command"}
    assert found[0].start == len("%cloudstack ")  # replaces only the typed word


def test_command_names_are_case_forgiving_and_flag_async(ip):
    found = {c.text: c.type for c in complete(ip, "%cloudstack deployvirtual")}
    assert found == {"deployVirtualMachine": unbreakable("async command")}


def test_subcommands_and_help_target(ip):
    assert "help" in texts(ip, "%cloudstack he")
    assert texts(ip, "%cloudstack help listZ") == ["listZones", "listZonesMetrics"]
    assert texts(ip, "%cloudstack use p") == ["prod"]


def test_options_are_skipped_and_region_values_completed(ip):
    assert texts(ip, "%cloudstack -r ") == ["lab", "prod"]
    assert texts(ip, "%cloudstack -r lab --limit 5 listZ") == ["listZones", "listZonesMetrics"]
    assert claims_with_nothing(ip, "%cloudstack --limit ")
    assert texts(ip, "%cloudstack --progress ") == ["auto", "widget", "text", "none"]


def test_assignment_form(ip):
    assert texts(ip, "vms = %cloudstack listVirtualMachinesM") == ["listVirtualMachinesMetrics"]


def test_parameters_required_first_as_key_equals(ip, spec):
    found = texts(ip, "%cloudstack deployVirtualMachine ")
    assert found[:3] == ["serviceofferingid=", "templateid=", "zoneid="]
    assert len(found) == len(spec["deployVirtualMachine"].params)
    kinds = {c.text: c.type for c in complete(ip, "%cloudstack deployVirtualMachine ")}
    assert kinds["zoneid="] == unbreakable("uuid · required") and kinds["account="] == "string"  # short for the popup


def test_given_parameters_are_left_out(ip):
    found = texts(ip, "%cloudstack deployVirtualMachine zoneid=z-111 templateid = t-1 ")
    assert "zoneid=" not in found and "templateid=" not in found
    assert found[0] == "serviceofferingid="


def test_parameter_prefix(ip):
    assert texts(ip, "%cloudstack listVirtualMachines zon") == ["zoneid="]


def test_ids_with_names_from_the_related_list_api(ip, fetch):
    found = complete(ip, "%cloudstack listVirtualMachines zoneid=")
    assert [(c.text, c.type) for c in found] == [("z-111", "Zone\u00a0One"), ("z-222", "Zone\u00a0Two")]
    assert fetch.calls == [("listZones",)]
    assert texts(ip, "%cloudstack listVirtualMachines zoneid=z-2") == ["z-222"]
    assert texts(ip, "%cloudstack listVirtualMachines zoneid=Zone T") == ["tags=", "templateid="]  # next key
    assert texts(ip, "%cloudstack listVirtualMachines zoneid=zone") == ["z-111", "z-222"]  # by name


def test_ids_are_cached_briefly(ip, fetch):
    texts(ip, "%cloudstack listVirtualMachines zoneid=")
    texts(ip, "%cloudstack deployVirtualMachine zoneid=")
    assert fetch.calls == [("listZones",)]


def test_templates_are_listed_with_their_filter(ip, fetch):
    assert texts(ip, "%cloudstack deployVirtualMachine templateid=") == ["t-1"]
    assert fetch.calls == [("listTemplates", {"templatefilter": "executable"})]


def test_failing_fetch_offers_no_ids_and_is_not_retried_at_once(ip, fetch):
    assert claims_with_nothing(ip, "%cloudstack deployVirtualMachine serviceofferingid=")
    assert claims_with_nothing(ip, "%cloudstack deployVirtualMachine serviceofferingid=")
    assert fetch.calls == [("listServiceOfferings",)]


def test_boolean_values(ip):
    assert texts(ip, "%cloudstack listVirtualMachines listall=") == ["true", "false"]


def test_cell_body_commands_parameters_and_ids(ip):
    assert texts(ip, "%%cloudstack vm\nlistZ") == ["listZones", "listZonesMetrics"]
    body = "%%cloudstack vm\ndeployVirtualMachine\n    zoneid = z-111  # the zone\n    "
    found = texts(ip, body)
    assert found[:2] == ["serviceofferingid=", "templateid="] and "zoneid=" not in found
    assert texts(ip, body + "zoneid = ") == ["z-111", "z-222"]


def test_cell_body_uses_the_latest_command(ip):
    body = "%%cloudstack\nlistZones\nlistVirtualMachines zoneid=z-111\n  stat"
    assert texts(ip, body) == ["state="]


def test_cell_first_line_completes_options_and_regions(ip):
    assert texts(ip, "%%cloudstack -r ") == ["lab", "prod"]
    assert claims_with_nothing(ip, "%%cloudstack --parallel ")
    assert texts(ip, "%%cloudstack --par") == ["--parallel"]


def test_other_code_is_left_to_ipython(ip):
    assert "os" in texts(ip, "import o")
    assert ours(ip, "print('%cloudstack listZ") == []
    assert not claims_with_nothing(ip, "print('%cloudstack listZ")


def test_matcher_suppresses_python_names_inside_the_magic(ip):
    ip.user_ns["listZebra"] = 1
    assert "listZebra" not in texts(ip, "%cloudstack listZ")


def test_unknown_command_offers_nothing(ip):
    assert claims_with_nothing(ip, "%cloudstack noSuchCommand ")


def test_a_broken_spec_getter_never_breaks_completion(shell, fetch):
    def broken():
        raise RuntimeError("spec unavailable")

    matcher = make_matcher(broken, fetch)
    shell.Completer.custom_matchers.append(matcher)
    try:
        assert ours(shell, "%cloudstack listZ") == []
    finally:
        shell.Completer.custom_matchers.remove(matcher)


def test_id_cache_expires_and_stays_bounded():
    now = [0.0]
    calls: list[str] = []

    def fetch(command: str) -> list[dict[str, str]]:
        calls.append(command)
        return [{"id": command}]

    cache = IdCache(fetch, ttl=30, size=2, clock=lambda: now[0])
    cache.rows("listA")
    cache.rows("listA")
    now[0] = 31
    cache.rows("listA")
    assert calls == ["listA", "listA"]
    cache.rows("listB")
    cache.rows("listC")
    assert len(cache) == 2


def test_list_api_for_name_rules(spec):
    def source(command: str, param: str):
        api = spec[command]
        return list_api_for(spec, api, api.param(param))

    assert source("listVirtualMachines", "zoneid") == ("listZones", {})
    assert source("deployVirtualMachine", "serviceofferingid") == ("listServiceOfferings", {})
    assert source("stopVirtualMachine", "id") == ("listVirtualMachines", {})
    assert source("deployVirtualMachine", "templateid") == ("listTemplates", {"templatefilter": "executable"})
    assert source("deployVirtualMachine", "networkids") == ("listNetworks", {})
    assert source("deployVirtualMachine", "name") is None


# -- values that CloudStack documents, options, and never Python names --------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%cloudstack listTemplates templatefilter=",
         ["featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"]),
        ("%cloudstack listVirtualMachines state=", ["Running", "Stopped", "Present", "Destroyed", "Expunged"]),
        ("%cloudstack listVirtualMachines state=st", ["Stopped"]),
        ("%cloudstack listVolumes state=exp", ["Expunging", "Expunged"]),
        ("%cloudstack listEvents level=", ["INFO", "WARN", "ERROR"]),
        ("%%cloudstack\nlistIsos isofilter=self", ["self", "selfexecutable"]),
    ],
)
def test_documented_values_and_nothing_else_after_key_equals(ip, text, expected):
    found = complete(ip, text)
    assert [c.text for c in found] == expected
    assert {c._origin for c in found} == {"cloudstack_magic.completion"}


def test_python_names_never_appear_inside_the_magic(ip):
    ip.user_ns["state_of_mind"] = 1
    for text in ("%cloudstack listVirtualMachines state=", "%cloudstack listVirtualMachines name=",
                 "%cloudstack deployVirtualMachine serviceofferingid=", "%cloudstack --co",
                 "%cloudstack -o ", "%cloudstack listVirtualMachines nosuchparam="):
        offered = texts(ip, text)
        assert not {"abs", "AbstractSet", "state_of_mind", "print"} & set(offered), text
        assert {c._origin for c in complete(ip, text)} == {"cloudstack_magic.completion"}, text


def test_option_names_after_dashes(ip):
    assert texts(ip, "%cloudstack --co") == ["--columns"]
    found = complete(ip, "%cloudstack --")
    names = [c.text for c in found]
    assert {"--output", "--region", "--raw", "--no-wait", "--dry-run", "--limit", "--background"} <= set(names)
    assert {c.type for c in found if c.text == "--limit"} == {"N"}
    assert {c.type for c in found if c.text == "--raw"} == {"switch"}
    assert {c.type for c in found if c.text == "--region"} == {unbreakable("NAME[,NAME…]")}
    assert "-o" in texts(ip, "%cloudstack -") and "-r" in texts(ip, "%cloudstack -")
    assert "--limit" not in texts(ip, "%cloudstack --limit 5 --")  # given once already


def test_options_come_from_the_magics_parser():
    from cloudstack_magic.magics._completion import magic_options

    flags = {flag for names, _, _ in magic_options() for flag in names}
    assert {"-o", "--output", "-r", "--region", "--columns", "--limit", "--progress", "--raw"} <= flags
    assert "--help" not in flags


def test_a_value_read_from_a_file_completes_file_names(ip, tmp_path, monkeypatch):
    (tmp_path / "cloud-init.yaml").write_text("#cloud-config\n")
    (tmp_path / "cloud").mkdir()
    monkeypatch.chdir(tmp_path)
    found = complete(ip, "%cloudstack deployVirtualMachine userdata=@cl")
    assert [(c.text, c.type) for c in found] == [("@cloud/", "folder"), ("@cloud-init.yaml", "file")]


def test_id_labels_stay_short_for_the_popup(shell, spec):
    def fetch(command: str, params: dict[str, str] | None = None) -> list[dict[str, str]]:
        return [{"id": "z-1", "name": "a zone whose name goes on and on and on"}]

    matcher = make_matcher(lambda: spec, fetch)
    shell.Completer.custom_matchers.append(matcher)
    try:
        (found,) = complete(shell, "%cloudstack listVirtualMachines zoneid=")
    finally:
        shell.Completer.custom_matchers.remove(matcher)
    assert found.text == "z-1" and len(found.type) <= 28 and found.type.endswith("…")
    assert " " not in found.type and "-" not in unbreakable("db-0001")  # never broken over two rows


def test_jedi_does_not_run_for_a_magic_line(ip, monkeypatch):
    """IPython's Jedi pass is what made the first Tab take seconds: it must not run here."""
    calls: list[str] = []
    real = type(ip.Completer)._jedi_matches

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("jedi")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(ip.Completer), "_jedi_matches", counting)
    for text in ("%cloudstack listVirtualMachines state=", "%cloudstack --co",
                 "%cloudstack deployVirtualMachine serviceofferingid=", "%cloudstack listZ"):
        complete(ip, text)
    assert calls == []
    complete(ip, "import o")  # ordinary code still goes through it
    assert calls == ["jedi"]
