"""Signing: every published vector, plus properties against an independent model of the server.

The model below is written from ``ApiServer.verifyRequest`` and ``java.net.URLEncoder`` as the
reference notes describe them, byte by byte, without using the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from functools import cmp_to_key
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_magic.client._signing import (
    canonical_string,
    expires_at,
    java_urlencode,
    query_string,
    sign,
    signed_params,
)

DOC_KEY = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
DOC_SECRET = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"


# -- an independent model of the server ---------------------------------------------------------
def model_urlencoder(value: str) -> str:
    """java.net.URLEncoder.encode(value, UTF-8), then .replaceAll("\\+", "%20")."""
    out = []
    for byte in value.encode("utf-8", "replace"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".-*_"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append("%" + format(byte, "02X"))
    return "".join(out).replace("+", "%20")


def _code_units(text: str) -> list[int]:
    raw = text.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def model_compare(a: str, b: str) -> int:
    """Java String.compareTo: the first differing UTF-16 code unit, else the length."""
    for x, y in zip(_code_units(a), _code_units(b)):
        if x != y:
            return x - y
    return len(_code_units(a)) - len(_code_units(b))


def model_signature(params: dict[str, str], secret: str) -> str:
    unsigned = ""
    for name in sorted(params, key=cmp_to_key(model_compare)):
        if name.lower() == "signature":
            continue
        unsigned += "&" + name + "=" + model_urlencoder(params[name])
    unsigned = unsigned[1:].lower()
    mac = hmac.new(secret.encode(), unsigned.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


# -- §4.1 the official example ------------------------------------------------------------------
def test_documentation_example_string_to_sign() -> None:
    params = {"command": "listUsers", "response": "json", "apikey": DOC_KEY}
    assert canonical_string(params) == (
        "apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg"
        "&command=listusers&response=json")


def test_documentation_example_signature() -> None:
    params = {"command": "listUsers", "response": "json", "apikey": DOC_KEY}
    assert sign(params, DOC_SECRET) == "TTpdDq/7j/J58XCRHomKoQXEQds="


def test_documentation_example_through_signed_params_and_query() -> None:
    signed = signed_params({"command": "listUsers"}, DOC_KEY, DOC_SECRET, signature_version=None)
    assert signed["signature"] == "TTpdDq/7j/J58XCRHomKoQXEQds="
    assert "signature=TTpdDq%2F7j%2FJ58XCRHomKoQXEQds%3D" in query_string(signed)


# -- §4.2 other vectors ---------------------------------------------------------------------------
LIBCLOUD = [
    ({"command": "listVirtualMachines"}, "z/a9Y7J52u48VpqIgiwaGUMCso0="),
    ({"command": "deployVirtualMachine", "name": "fred", "displayname": "George", "serviceofferingid": "5",
      "templateid": "17", "zoneid": "23", "networkids": "42"}, "gHTo7mYmadZ+zluKHzlEKb1i/QU="),
    ({"command": "deployVirtualMachine", "name": "fred", "displayname": "George+Ringo", "serviceofferingid": "5",
      "templateid": "17", "zoneid": "23", "networkids": "42"}, "tAgfrreI1ZvWlWLClD3gu4+aKv4="),
]
NGINE_CS = [
    ({"command": "listVirtualMachines", "listall": "true"}, "B0d6hBsZTcFVCiioSxzwKA9Pke8="),
    ({"command": "listVirtualMachines", "zoneId": "2", "templateId": "3", "temPlateidd": "4", "pageSize": "10",
      "page": "1"}, "mMS7XALuGkCXk7kj5SywySku0Z0="),
    ({"command": "listVirtualMachines", "listall": "1", "unicode_param": "éèààû"}, "gABU/KFJKD3FLAgKDuxQoryu4sA="),
]
DERIVED = [
    ({"command": "listZones", "signatureVersion": "3", "expires": "2030-01-01T00:00:00+0000"},
     "S0OtoIAS+Tu8ylB/nsQh4B370TM="),
    ({"command": "listZones", "keyword": "a~b"}, "5yEv7K0mNXmxe9eipbidoRs4U1Q="),
    ({"command": "deployVirtualMachine", "details[0].cpuNumber": "2", "name": "web 01*"},
     "tQEVkg5FiOShqA0OabBRJiV0mDI="),
]


@pytest.mark.parametrize(("params", "expected"), LIBCLOUD)
def test_libcloud_vectors(params: dict[str, str], expected: str) -> None:
    assert sign({**params, "apiKey": "fnord", "response": "json"}, "abracadabra") == expected


@pytest.mark.parametrize(("params", "expected"), NGINE_CS + DERIVED)
def test_cs_and_derived_vectors(params: dict[str, str], expected: str) -> None:
    assert sign({**params, "apiKey": "foo", "response": "json"}, "bar") == expected


def test_mixed_case_names_sort_case_sensitively() -> None:
    params = {"command": "listVirtualMachines", "zoneId": "2", "templateId": "3", "temPlateidd": "4",
              "pageSize": "10", "page": "1", "apiKey": "foo", "response": "json"}
    # temPlateidd sorts before templateId only in a case-sensitive sort
    assert canonical_string(params).index("templateidd=4") < canonical_string(params).index("templateid=3")
    assert sign(params, "bar") != "GN/H2DT9Phd/s9djmht3lJxsAts="  # the lower-cased-sort answer


def test_signed_params_with_version_3_at_a_fixed_time() -> None:
    now = datetime(2029, 12, 31, 23, 50, tzinfo=timezone.utc)
    signed = signed_params({"command": "listZones"}, "foo", "bar", expires_in=600, now=now)
    assert signed["expires"] == "2030-01-01T00:00:00+0000"
    assert signed["signatureVersion"] == "3"
    assert signed["signature"] == "S0OtoIAS+Tu8ylB/nsQh4B370TM="


def test_signed_params_replaces_caller_reserved_names() -> None:
    signed = signed_params({"command": "listZones", "APIKEY": "evil", "signature": "x", "response": "xml"},
                           "foo", "bar", signature_version=None)
    assert signed == {"command": "listZones", "apiKey": "foo", "response": "json", "signature": signed["signature"]}


# -- quoting rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "encoded"), [
    ("a~b", "a%7Eb"), ("a*b", "a*b"), ("a b", "a%20b"), ("a+b", "a%2Bb"), ("a&b=c", "a%26b%3Dc"),
    ("it's (ok)!", "it%27s%20%28ok%29%21"), ("x[0]", "x%5B0%5D"), ("é", "%C3%A9"), ("._-", "._-"),
    ("/", "%2F"), ("\ud800", "%3F"),
])
def test_java_urlencode_rules(value: str, encoded: str) -> None:
    assert java_urlencode(value) == encoded


def test_expires_format_and_utc() -> None:
    local = datetime(2030, 1, 1, 1, 0, tzinfo=timezone.utc).astimezone()
    assert expires_at(0, local) == "2030-01-01T01:00:00+0000"


# -- properties against the model ---------------------------------------------------------------
names = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&=%#+"),
                min_size=1, max_size=12)
values = st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_urlencode_matches_java_model(value: str) -> None:
    assert java_urlencode(value) == model_urlencoder(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(names, values, min_size=1, max_size=8), st.text(min_size=1, max_size=20))
def test_signature_matches_server_model(params: dict[str, str], secret: str) -> None:
    assert sign(params, secret) == model_signature(params, secret)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30), max_size=6))
def test_query_string_decodes_back_to_the_signed_values(params: dict[str, str]) -> None:
    # what the server decodes from the wire must be exactly what was signed
    signed = signed_params({"command": "listZones", **params}, "foo", "bar", signature_version=None)
    decoded = dict(parse_qsl(query_string(signed), keep_blank_values=True))
    assert decoded == signed
    assert model_signature(decoded, "bar") == decoded["signature"]
