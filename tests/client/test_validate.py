"""The one validator: unknown parameters, values of the wrong type, maps, and the live spec."""

from __future__ import annotations

from typing import Any

import pytest

from cloudstack_magic import (
    CommandError,
    InvalidParameterError,
    MissingParameterError,
    Spec,
    UnknownCommandError,
    packaged_spec,
)
from cloudstack_magic.client._params import to_params
from cloudstack_magic.client._validate import validate_call

from .conftest import DEPLOY, VM


def check(command: str, **params: Any) -> Any:
    return validate_call(packaged_spec(), command, params, live=False)


def test_a_misspelled_parameter_names_the_closest_real_ones() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        check("listVirtualMachines", listall="true", stat="Running")
    error = caught.value
    assert error.parameter == "stat" and "state" in error.suggestions
    assert str(error).startswith("listVirtualMachines has no parameter 'stat'; did you mean state")
    assert isinstance(error, CommandError) and error.command == "listVirtualMachines"


def test_cloudmonkeys_filter_is_named_as_such_in_a_hint_field() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        check("listVirtualMachines", filter="name,state")
    assert caught.value.hint is not None and "CloudMonkey" in caught.value.hint
    assert "CloudMonkey's output field filter" in str(caught.value)


@pytest.mark.parametrize("value", ["true", "TRUE", "False", True, False])
def test_booleans_are_true_or_false_in_any_case(value: Any) -> None:
    assert check("listVirtualMachines", listall=value) is not None


@pytest.mark.parametrize("value", ["maybe", "yes", "1", "t", ""])
def test_anything_else_is_not_a_boolean(value: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"listall='.*' is not a boolean: use true or false") as caught:
        check("listVirtualMachines", listall=value)
    assert caught.value.expected == "boolean"


@pytest.mark.parametrize(("command", "params", "words"), [
    ("listVirtualMachines", {"pagesize": "ten"}, "is not an integer"),
    ("listVirtualMachines", {"pagesize": "99999999999"}, "is not an integer"),
    ("listVirtualMachines", {"id": "vm-1"}, "is not a uuid"),
    ("listEvents", {"startdate": "yesterday"}, "is not a date"),
    ("listEvents", {"startdate": "2024-02-30"}, "is not a date"),
    ("listVirtualMachines", {"tags": "env=prod"}, "is not a map"),
    ("listVirtualMachines", {"name[0].key": "x"}, "is not a string value, not a map"),
    ("resizeVolume", {"id": VM, "size": "1.5"}, "is not a long"),
])
def test_values_are_checked_by_the_spec_type_named_in_the_message(
        command: str, params: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidParameterError, match=words):
        check(command, **params)


@pytest.mark.parametrize(("command", "params"), [
    ("listVirtualMachines", {"id": VM.upper(), "pagesize": "20", "page": "1"}),
    ("listVirtualMachines", {"id": "42"}),  # pre-4.x parameters still take an internal id
    ("listEvents", {"startdate": "2024-02-01", "enddate": "2024-02-01 10:30:00"}),
    ("listVirtualMachines", {"tags": {"env": "prod"}, "ids": f"{VM},{VM}"}),
    ("listVirtualMachines", {"tags[0].key": "env", "tags[0].value": "prod"}),
    ("resizeVolume", {"id": VM, "size": 20}),
])
def test_good_values_pass(command: str, params: dict[str, Any]) -> None:
    api = check(command, **params)
    assert api is not None and api.name == command


def test_required_parameters_are_named() -> None:
    with pytest.raises(MissingParameterError, match="deployVirtualMachine needs serviceofferingid") as caught:
        check("deployVirtualMachine", zoneid=DEPLOY["zoneid"], templateid=DEPLOY["templateid"])
    assert caught.value.missing == ["serviceofferingid"]


def test_a_command_the_shipped_spec_lacks_is_not_checked_but_a_live_spec_refuses_it() -> None:
    assert check("listFancyNewThings", anything="goes") is None
    live = Spec.from_listapis({"api": [{"name": "listZones", "params": []}]})
    with pytest.raises(UnknownCommandError, match="did you mean listZones") as caught:
        validate_call(live, "listZone", {}, server="http://cs.test/client/api")
    assert caught.value.suggestions == ["listZones"] and "cs.test" in str(caught.value)


def test_names_the_client_sets_itself_are_not_unknown() -> None:
    assert validate_call(packaged_spec(), "listZones", {"response": "json", "command": "listZones"}) is not None


def test_a_dict_for_tags_becomes_key_value_pairs_and_for_details_named_fields() -> None:
    assert to_params({"tags": {"env": "prod", "team": "ops"}}, command="createTags") == {
        "tags[0].key": "env", "tags[0].value": "prod", "tags[1].key": "team", "tags[1].value": "ops"}
    assert to_params({"details": {"cpuNumber": 2}}, command="deployVirtualMachine") == {"details[0].cpuNumber": "2"}
    assert to_params({"details": {"a": "b"}}, command="addResourceDetail") == {
        "details[0].key": "a", "details[0].value": "b"}
    records = [{"ip": "10.0.0.5", "networkid": VM}]
    assert to_params({"iptonetworklist": records}) == {"iptonetworklist[0].ip": "10.0.0.5",
                                                       "iptonetworklist[0].networkid": VM}
