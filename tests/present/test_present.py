"""present(): each result shape becomes the right object, and views render without secrets."""

from __future__ import annotations

import pandas as pd

from cloudstack_magic.present._views import GenericView, ResultView, SuccessView
from cloudstack_magic.present._frames import present
from tests.present.conftest import vm_row


def test_list_result_becomes_a_frame_with_count_and_command(spec):
    result = {"count": 2, "virtualmachine": [vm_row(0), vm_row(1)]}
    frame = present(result, "listVirtualMachines", api=spec["listVirtualMachines"], attrs={"region": "lab"})
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 2
    assert frame.attrs["command"] == "listVirtualMachines"
    assert frame.attrs["count"] == 2
    assert frame.attrs["region"] == "lab"


def test_given_attrs_win_over_derived_ones(spec):
    result = {"count": 2, "virtualmachine": [vm_row(0), vm_row(1)]}
    frame = present(result, "listVirtualMachines", attrs={"count": 99})
    assert frame.attrs["count"] == 99


def test_empty_list_results_give_frames_with_spec_columns(spec):
    api = spec["listVirtualMachines"]
    for empty in ({}, {"count": 0}, {"count": 7}):
        frame = present(empty, "listVirtualMachines", api=api)
        assert isinstance(frame, pd.DataFrame) and len(frame) == 0
        assert "created" in frame.columns and "zoneid" in frame.columns


def test_list_shape_is_recognised_without_a_spec():
    frame = present({"count": 1, "zone": [{"id": "z1", "name": "Zone 1"}]}, "listSomething")
    assert isinstance(frame, pd.DataFrame)
    assert frame.loc[0, "name"] == "Zone 1"


def test_single_resource_is_a_view_not_a_one_row_table(spec):
    vm = vm_row(0)
    view = present({"virtualmachine": vm}, "deployVirtualMachine", api=spec["deployVirtualMachine"])
    assert isinstance(view, ResultView) and not isinstance(view, pd.DataFrame)
    assert view.kind == "virtualmachine"
    assert view["name"] == "vm-0" and dict(view) == vm
    text = view.text()
    assert text.splitlines()[0] == "virtualmachine (deployVirtualMachine)"
    assert text.splitlines()[1].split(":")[0].strip() == "id"  # identifying fields first
    assert "ipaddress: 10.0.0.0" in text  # nested objects compacted, not dropped
    assert "<table>" in view._repr_html_() and "vm-0" in view._repr_html_()


def test_views_mask_passwords_but_keep_them_accessible():
    view = present({"virtualmachine": {"id": "x", "password": "S3cr3t!"}}, "resetPasswordForVirtualMachine")
    assert "S3cr3t!" not in view.text()
    assert "S3cr3t!" not in view._repr_html_()
    assert "S3cr3t!" not in repr(view)
    assert view["password"] == "S3cr3t!"


def test_nested_secrets_are_masked_too():
    view = present({"user": {"id": "u", "keys": {"apikey": "AK", "secretkey": "SK"}}}, "getUserKeys")
    assert "SK" not in view.text() and "AK" not in view.text()


def test_success_reply_is_one_line():
    view = present({"success": True, "displaytext": "network removed"}, "deleteNetwork")
    assert isinstance(view, SuccessView)
    assert view.text() == "✓ deleteNetwork succeeded: network removed"
    assert "\n" not in view.text()
    assert view.success


def test_failed_success_reply_says_so():
    view = present({"success": "false"}, "deleteNetwork")
    assert not view.success
    assert view.text().startswith("✗ deleteNetwork")


def test_job_id_reply_is_a_generic_readable_view():
    view = present({"jobid": "job-1"}, "stopVirtualMachine", api=None)
    assert isinstance(view, GenericView)
    assert "job-1" in view.text() and view["jobid"] == "job-1"


def test_async_create_reply_and_unknown_shapes_are_generic():
    view = present({"id": "vm-1", "jobid": "job-1"}, "deployVirtualMachine")
    assert isinstance(view, GenericView) and view["id"] == "vm-1"
    other = present("plain text", "weird")
    assert "plain text" in other.text()


def test_pretty_printer_uses_the_text(shell):
    view = present({"success": True}, "deleteNetwork")
    data, _ = shell.display_formatter.format(view)
    assert data["text/plain"] == "✓ deleteNetwork succeeded"
    assert "succeeded" in data["text/html"]


def test_empty_reply_of_an_unknown_list_command_is_an_empty_frame():
    frame = present({}, "listSomethingNew")
    assert isinstance(frame, pd.DataFrame) and frame.empty


def test_empty_reply_of_another_command_says_so():
    view = present({}, "updateSomething")
    assert isinstance(view, GenericView)
    assert view.text() == "updateSomething: the server sent an empty reply"
