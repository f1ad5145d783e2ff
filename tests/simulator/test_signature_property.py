"""Property: any parameters signed the documented way are accepted over GET and POST; any other
signature is refused."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import make_api, sign

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8).filter(
    lambda n: n.lower() not in {"signature", "apikey", "command", "response", "signatureversion", "expires", "page",
                                "pagesize", "id", "ids", "name", "keyword", "zoneid", "state", "listall", "account",
                                "domainid", "projectid", "isrecursive"})
values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(names, values, max_size=4), method=st.sampled_from(["GET", "POST"]))
def test_documented_signing_is_accepted(simulator, extra, method):
    api = make_api(simulator)
    status, _, text = api({"command": "listZones", "response": "json", **extra}, method=method)
    assert status == 200, text
    assert json.loads(text)["listzonesresponse"]["count"] >= 2


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(names, values, min_size=1, max_size=3))
def test_signing_other_values_is_refused(simulator, extra):
    api = make_api(simulator)
    params = {"command": "listZones", "response": "json", "apiKey": simulator.api_key, **extra}
    tampered = {**params, **{k: v + "x" for k, v in extra.items()}}
    params["signature"] = sign(tampered, simulator.secret_key)  # signed values differ from those sent
    status, _, _ = api(params, sign_it=False)
    assert status == 401
