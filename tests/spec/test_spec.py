"""The packaged CloudStack 4.18 spec and specs built from a live listApis reply."""

from __future__ import annotations

import json

import pytest

from cloudstack_magic.spec._spec import Api, Param, ResponseField, Spec, packaged_spec


@pytest.fixture(scope="module")
def spec() -> Spec:
    return packaged_spec()


# --- the packaged spec ---------------------------------------------------------------------


def test_packaged_counts(spec):
    assert len(spec) == 705
    assert sum(api.isasync for api in spec.values()) == 318
    assert spec.version == "4.18"
    assert repr(spec) == "<Spec 4.18: 705 APIs>"


def test_packaged_spec_is_loaded_once(spec):
    assert packaged_spec() is spec


def test_list_virtual_machines_is_a_paged_list(spec):
    api = spec["listVirtualMachines"]
    assert api.is_list and not api.isasync
    assert api.param("page").type == "integer" and api.param("pagesize").type == "integer"
    assert api.required_params == ()
    types = api.response_types()
    assert types["created"] == "date" and types["id"] == "string"
    assert "nic" in types and any(f.name == "nic" and f.fields for f in api.response)


def test_deploy_virtual_machine_is_async_with_three_required_params(spec):
    api = spec["deployVirtualMachine"]
    assert api.isasync and not api.is_list
    assert {p.name for p in api.required_params} == {"templateid", "serviceofferingid", "zoneid"}
    assert all(p.required for p in api.required_params)


def test_only_paged_commands_are_lists(spec):
    lists = [api for api in spec.values() if api.is_list]
    assert len(lists) > 100
    assert all(api.param("page") and api.param("pagesize") for api in lists)
    assert not spec["listCapabilities"].is_list  # a list* command without paging


def test_params_are_found_forgiving_case_and_map_indices(spec):
    api = spec["listVirtualMachines"]
    assert api.param("ZoneId") is api.param("zoneid") is not None
    assert api.param("tags[0].key").name == "tags" and api.param("tags").type == "map"
    assert api.param("nosuchparam") is None


def test_suggest_param_keeps_the_apis_spelling(spec):
    assert spec["login"].suggest_param("domainid")[0] == "domainId"
    assert spec["deployVirtualMachine"].suggest_param("templatid") == ["templateid"]


def test_find_forgives_case(spec):
    assert spec.find("listVirtualMachines") is spec["listVirtualMachines"]
    assert spec.find("listvirtualmachines") is spec["listVirtualMachines"]
    assert spec.find("LISTVIRTUALMACHINES").name == "listVirtualMachines"
    assert spec.find("listVirtualMachinez") is None
    # the mapping itself is case-sensitive, as the server is
    assert "listvirtualmachines" not in spec
    with pytest.raises(KeyError):
        spec["listvirtualmachines"]


def test_suggest(spec):
    assert spec.suggest("listVirtualMachine")[0] == "listVirtualMachines"
    assert spec.suggest("LISTZONES")[0] == "listZones"
    assert spec.suggest("deployVirtualMachines")[0] == "deployVirtualMachine"
    assert spec.suggest("xyzzy-plugh") == []
    assert len(spec.suggest("listZone", n=2)) <= 2


def test_search(spec):
    hits = spec.search("zone")
    assert hits and all("zone" in api.name.lower() for api in hits)
    assert [a.name.lower() for a in hits] == sorted(a.name.lower() for a in hits)
    assert {a.name for a in spec.search("ZONE")} == {a.name for a in hits}
    assert len(spec.search("")) == 705
    assert spec.search("qqqqnothing") == []


# --- specs from a live listApis reply ------------------------------------------------------

REPLY_BODY = {
    "count": 3,
    "api": [
        {
            "name": "listThings",
            "description": "Lists things",
            "isasync": False,
            "since": "4.99",
            "related": "createThing,deleteThing",
            "params": [
                {"name": "page", "type": "integer", "required": False},
                {"name": "pagesize", "type": "integer", "required": False},
                {
                    "name": "id",
                    "type": "uuid",
                    "required": False,
                    "length": 255,
                    "related": "listThings",
                },
                {},
            ],
            "response": [
                {"name": "id", "type": "string", "description": "the id"},
                {},
                {"name": "created", "type": "date"},
                {
                    "name": "parts",
                    "type": "list",
                    "response": [{"name": "size", "type": "long"}, {}],
                },
            ],
        },
        {
            "name": "createThing",
            "description": "Creates a thing; used for widgets",
            "isasync": True,
            "params": [
                {"name": "name", "type": "string", "required": True},
                {"name": "page", "type": "integer"},
            ],
        },
        {"name": "deleteThing"},
    ],
}


@pytest.mark.parametrize("wrapped", [True, False])
def test_from_listapis_with_and_without_wrapper(wrapped):
    reply = {"listapisresponse": REPLY_BODY} if wrapped else REPLY_BODY
    spec = Spec.from_listapis(json.loads(json.dumps(reply)), version="4.99")
    assert list(spec) == ["listThings", "createThing", "deleteThing"]
    assert spec.version == "4.99"
    things = spec["listThings"]
    assert things.is_list and not things.isasync
    assert (things.since, things.related, things.description) == (
        "4.99",
        ("createThing", "deleteThing"),
        "Lists things",
    )
    assert [p.name for p in things.params] == ["page", "pagesize", "id"]  # the {} param is dropped
    assert things.param("id") == Param("id", "uuid", False, "", 255, ("listThings",), None)
    create = spec["createThing"]
    assert create.isasync and not create.is_list  # page alone does not make a list
    assert [p.name for p in create.required_params] == ["name"]
    bare = spec["deleteThing"]
    assert (bare.isasync, bare.params, bare.response, bare.related, bare.since) == (
        False,
        (),
        (),
        (),
        None,
    )


def test_empty_response_fields_are_dropped_at_every_depth():
    things = Spec.from_listapis(REPLY_BODY)["listThings"]
    assert [f.name for f in things.response] == ["id", "created", "parts"]
    assert things.response[2].fields == (ResponseField("size", "long"),)
    assert things.response_types() == {"id": "string", "created": "date", "parts": "list"}


def test_live_spec_search_falls_back_to_descriptions():
    spec = Spec.from_listapis(REPLY_BODY)
    assert [a.name for a in spec.search("thing")] == ["createThing", "deleteThing", "listThings"]
    assert [a.name for a in spec.search("widgets")] == ["createThing"]
    assert spec.version == "live"


def test_an_empty_reply_is_an_empty_spec():
    assert len(Spec.from_listapis({"listapisresponse": {}})) == 0
    assert len(Spec.from_listapis({})) == 0


def test_api_values_are_frozen_and_comparable():
    api = Api("x", params=(Param("Name", "string", True),))
    assert api == Api("x", params=(Param("Name", "string", True),))
    assert api.param("name").name == "Name"
    with pytest.raises(AttributeError):
        api.name = "y"  # type: ignore[misc]
