"""The server-side signature model against the published vectors (reference doc §4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cloudstack_magic.simulator.verify import (
    canonical_string,
    check_expiry,
    compute_signature,
    java_urlencode,
    parse_expires,
    signature_matches,
)

DOC_KEY = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
DOC_SECRET = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"


def test_official_documentation_example():
    params = {"command": "listUsers", "response": "json", "apikey": DOC_KEY}
    assert canonical_string(params) == (
        "apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg"
        "&command=listusers&response=json")
    assert compute_signature(params, DOC_SECRET) == "TTpdDq/7j/J58XCRHomKoQXEQds="
    assert signature_matches({**params, "signature": "TTpdDq/7j/J58XCRHomKoQXEQds="}, DOC_SECRET)
    assert not signature_matches({**params, "signature": "TTpdDq/7j/J58XCRHomKoQXEQdt="}, DOC_SECRET)


@pytest.mark.parametrize(("params", "expected"), [
    ({"command": "listVirtualMachines"}, "z/a9Y7J52u48VpqIgiwaGUMCso0="),
    ({"command": "deployVirtualMachine", "name": "fred", "displayname": "George", "serviceofferingid": "5",
      "templateid": "17", "zoneid": "23", "networkids": "42"}, "gHTo7mYmadZ+zluKHzlEKb1i/QU="),
    ({"command": "deployVirtualMachine", "name": "fred", "displayname": "George+Ringo", "serviceofferingid": "5",
      "templateid": "17", "zoneid": "23", "networkids": "42"}, "tAgfrreI1ZvWlWLClD3gu4+aKv4="),
])
def test_libcloud_vectors(params, expected):
    assert compute_signature({**params, "apiKey": "fnord", "response": "json"}, "abracadabra") == expected


@pytest.mark.parametrize(("params", "expected"), [
    ({"command": "listVirtualMachines", "listall": "true"}, "B0d6hBsZTcFVCiioSxzwKA9Pke8="),
    ({"command": "listVirtualMachines", "zoneId": "2", "templateId": "3", "temPlateidd": "4", "pageSize": "10",
      "page": "1"}, "mMS7XALuGkCXk7kj5SywySku0Z0="),
    ({"command": "listVirtualMachines", "listall": "1", "unicode_param": "éèààû"}, "gABU/KFJKD3FLAgKDuxQoryu4sA="),
])
def test_cs_vectors_sort_names_case_sensitively(params, expected):
    assert compute_signature({**params, "apiKey": "foo", "response": "json"}, "bar") == expected


def test_derived_vectors_with_expires_and_tilde():
    base = {"apiKey": "foo", "command": "listZones", "response": "json"}
    assert compute_signature({**base, "signatureVersion": "3", "expires": "2030-01-01T00:00:00+0000"},
                             "bar") == "S0OtoIAS+Tu8ylB/nsQh4B370TM="
    assert canonical_string({**base, "keyword": "a~b"}).endswith("keyword=a%7eb&response=json")
    assert compute_signature({**base, "keyword": "a~b"}, "bar") == "5yEv7K0mNXmxe9eipbidoRs4U1Q="


def test_java_urlencode_keeps_only_javas_safe_set():
    assert java_urlencode("aZ09.-*_ ~()!'+/é") == "aZ09.-*_%20%7E%28%29%21%27%2B%2F%C3%A9"


@pytest.mark.parametrize("text", [
    "2030-01-01T00:00:00+0000", "2030-01-01T00:00:00Z", "2030-01-01T01:00:00+01:00",
    "2030-01-01T00:00:00.123Z", "2030-01-01T00:00:00.123456+0000", "2030-01-01T00:00:00Z+0000",
])
def test_parse_expires_formats(text):
    assert parse_expires(text) == datetime(2030, 1, 1, tzinfo=timezone.utc) + (
        timedelta(microseconds=123000) if ".123Z" in text else
        timedelta(microseconds=123456) if ".123456" in text else timedelta(0))


@pytest.mark.parametrize("text", ["2030-01-01", "2030-01-01 00:00:00", "2030-02-30T00:00:00Z", "soon", ""])
def test_parse_expires_refuses(text):
    assert parse_expires(text) is None


def test_check_expiry_only_for_version_3():
    now = lambda: datetime(2029, 1, 1, tzinfo=timezone.utc)  # noqa: E731
    assert check_expiry({"expires": "2001-01-01T00:00:00Z"}, now) is None
    assert check_expiry({"signatureVersion": "3"}, now) == "Missing Expires parameter"
    assert check_expiry({"signatureversion": "3", "Expires": "2001-01-01T00:00:00Z"}, now) == "Request expired"
    assert check_expiry({"signatureVersion": "3", "expires": "2030-01-01T00:00:00Z"}, now) is None
