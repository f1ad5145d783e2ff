"""The client's logic through the transport seam (a fake server, no HTTP): request/attribute/call
forms, signing of what is sent, paging and jobs through the real call path, validation against a
live spec, prepare(), lifecycle."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cloudstack_magic import (
    BadRequestError,
    CloudStack,
    CommandError,
    ConfigError,
    ConnectError,
    InvalidParameterError,
    JobFailedError,
    JobTimeoutError,
    abandoned_job,
    MissingParameterError,
    PageProgress,
    Spec,
    UnknownCommandError,
)
from cloudstack_magic.client._answers import Reply

from .conftest import (
    DEPLOY,
    ENDPOINT,
    JOB,
    KEY,
    OFFERING,
    SECRET,
    TEMPLATE,
    USER,
    VM,
    ZONE,
    FakeServer,
    json_reply,
    server_accepts,
)


VMS = [{"id": f"vm-{i:03d}", "name": f"vm{i}"} for i in range(23)]


def vm_pages(params: dict[str, str]) -> Reply:
    page, size = int(params["page"]), int(params["pagesize"])
    rows = VMS[(page - 1) * size:page * size]
    body: dict[str, Any] = {"count": len(VMS), "virtualmachine": rows} if rows else {"count": len(VMS)}
    return json_reply("listVirtualMachines", body)


def client(fake: FakeServer, **options: Any) -> CloudStack:
    return CloudStack(ENDPOINT, KEY, SECRET, handler=fake, **options)


async def test_request_unwraps_and_signs_what_the_server_checks(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listZones"] = json_reply("listZones", {"count": 1, "zone": [{"id": "z1"}]})
    assert await fake_cs.request("listZones", available=True) == {"count": 1, "zone": [{"id": "z1"}]}
    (params,) = fake.sent()
    assert params["apiKey"] == KEY and params["response"] == "json" and params["available"] == "true"
    assert params["signatureVersion"] == "3" and params["expires"].endswith("+0000")
    assert (params["page"], params["pagesize"]) == ("1", "500")
    assert server_accepts(params)


async def test_attribute_form_and_tricky_values_are_signed(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listTemplates"] = json_reply("listTemplates", {})
    assert await fake_cs.listTemplates(keyword="a~b (c)*+&=é", templatefilter="all",
                                       tags=[{"key": "env", "value": "a b"}]) == {}
    (params,) = fake.sent()
    assert params["keyword"] == "a~b (c)*+&=é" and params["tags[0].value"] == "a b"
    assert server_accepts(params)


def test_attribute_form_is_not_offered_for_tool_probes(cs: CloudStack) -> None:
    assert not hasattr(cs, "getdoc")  # IPython's ? would otherwise start an API call
    assert not hasattr(cs, "_repr_html_")
    assert callable(cs.listVirtualMachines) and cs.listVirtualMachines.__name__ == "listVirtualMachines"
    assert "deployVirtualMachine" in dir(cs)


async def test_lists_are_paged_concurrently_and_merged(fake: FakeServer) -> None:
    fake.answers["listVirtualMachines"] = vm_pages
    events: list[PageProgress] = []
    async with client(fake, max_page_size=5) as cs:
        result = await cs.call("listVirtualMachines", {"listall": True}, progress=events.append)
    assert result == {"count": 23, "virtualmachine": VMS}
    assert sorted(p["page"] for p in fake.sent()) == ["1", "2", "3", "4", "5"]
    assert events[-1].done and events[-1].pages_total == 5 and events[-1].rows_done == 23


async def test_caller_page_gets_exactly_that_page(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = vm_pages
    result = await fake_cs.listVirtualMachines(page=2, pagesize=10)
    assert result == {"count": 23, "virtualmachine": VMS[10:20]}
    assert len(fake.sent()) == 1


async def test_fetch_all_false_sends_one_plain_request(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = json_reply("listVirtualMachines", {"count": 23, "virtualmachine": VMS[:5]})
    assert (await fake_cs.call("listVirtualMachines", fetch_all=False))["count"] == 23
    (params,) = fake.sent()
    assert "page" not in params


async def test_unknown_list_command_is_paged_by_its_name(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listQuantumWidgets"] = json_reply("listQuantumWidgets", {"count": 1, "w": [{"id": 1}]})
    assert await fake_cs.listQuantumWidgets() == {"count": 1, "w": [{"id": 1}]}
    assert fake.sent()[0]["page"] == "1"


def job(jobid: str, status: int, result: dict[str, Any] | None = None) -> Reply:
    body: dict[str, Any] = {"jobid": jobid, "jobstatus": status}
    if result is not None:
        body["jobresult"] = result
    return json_reply("queryAsyncJobResult", body)


async def test_async_command_waits_for_its_job(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["deployVirtualMachine"] = json_reply("deployVirtualMachine", {"id": "vm-9", "jobid": "j9"})
    fake.answers["queryAsyncJobResult"] = [
        job("j9", 0), job("j9", 1, {"virtualmachine": {"id": "vm-9", "state": "Running"}})]
    result = await fake_cs.deployVirtualMachine(**DEPLOY)
    assert result == {"virtualmachine": {"id": "vm-9", "state": "Running"}}
    queries = fake.sent("queryAsyncJobResult")
    assert [q["jobid"] for q in queries] == ["j9", "j9"] and all(server_accepts(q) for q in queries)


async def test_wait_false_returns_the_jobid(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["startVirtualMachine"] = json_reply("startVirtualMachine", {"jobid": "j1"})
    assert await fake_cs.call("startVirtualMachine", {"id": VM}, wait=False) == {"jobid": "j1"}
    assert not fake.sent("queryAsyncJobResult")


async def test_failed_job_raises_with_the_jobs_error(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["startVirtualMachine"] = json_reply("startVirtualMachine", {"jobid": "j1"})
    fake.answers["queryAsyncJobResult"] = job("j1", 2, {"errorcode": 533, "errortext": "Insufficient capacity"})
    with pytest.raises(JobFailedError, match="startVirtualMachine job j1 failed: Insufficient capacity"):
        await fake_cs.startVirtualMachine(id=VM)


async def test_query_async_job_result_itself_is_not_awaited(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["queryAsyncJobResult"] = job("j", 0)
    assert await fake_cs.queryAsyncJobResult(jobid=JOB) == {"jobid": "j", "jobstatus": 0}
    assert len(fake.sent()) == 1


async def test_sync_command_with_a_jobid_field_is_not_awaited(fake: FakeServer, fake_cs: CloudStack) -> None:
    # listApis-known sync commands return objects that may carry a pending job's id
    fake.answers["getVMPassword"] = json_reply("getVMPassword", {"jobid": "j", "password": {}})
    assert await fake_cs.getVMPassword(id=VM) == {"jobid": "j", "password": {}}
    assert len(fake.sent()) == 1


async def test_command_case_is_fixed_from_the_spec(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listZones"] = json_reply("listZones", {})
    assert await fake_cs.request("listzones") == {}
    assert fake.sent()[0]["command"] == "listZones"


LIVE = {"listapisresponse": {"count": 2, "api": [
    {"name": "listZones", "isasync": False, "params": [{"name": "page", "type": "integer"},
                                                       {"name": "pagesize", "type": "integer"}]},
    {"name": "deployVirtualMachine", "isasync": True, "params": [
        {"name": "zoneid", "type": "uuid", "required": True},
        {"name": "templateid", "type": "uuid", "required": True}]},
]}}


async def test_live_spec_rejects_unknown_commands_params_and_missing_params_before_sending(
        fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listApis"] = Reply(200, LIVE)
    spec = await fake_cs.fetch_spec()
    assert isinstance(spec, Spec) and set(spec) == {"listZones", "deployVirtualMachine"}
    with pytest.raises(UnknownCommandError) as unknown:
        await fake_cs.listZone()
    assert unknown.value.suggestions == ["listZones"] and "did you mean listZones?" in str(unknown.value)
    with pytest.raises(MissingParameterError, match="deployVirtualMachine needs templateid") as missing:
        await fake_cs.deployVirtualMachine(zoneid=ZONE)
    assert missing.value.missing == ["templateid"]
    with pytest.raises(InvalidParameterError, match="has no parameter 'serviceofferingid'"):
        await fake_cs.deployVirtualMachine(**DEPLOY)  # 4.18 has it; this server does not
    assert len(fake.sent()) == 1  # only listApis went out


async def test_without_a_live_spec_the_shipped_spec_checks_parameters(fake: FakeServer, fake_cs: CloudStack) -> None:
    with pytest.raises(InvalidParameterError, match="has no parameter 'stat'; did you mean state") as caught:
        await fake_cs.listVirtualMachines(listall=True, stat="Running")
    assert caught.value.suggestions[0] == "state"
    with pytest.raises(InvalidParameterError, match="listall='maybe' is not a boolean"):
        await fake_cs.listVirtualMachines(listall="maybe")
    with pytest.raises(InvalidParameterError, match="CloudMonkey") as cmk:
        fake_cs.prepare("listVirtualMachines", {"filter": "name,state"})
    assert cmk.value.hint and "field filter" in cmk.value.hint
    assert not fake.sent()


async def test_validate_false_sends_anyway(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = json_reply("listVirtualMachines", {"count": 0})
    async with client(fake, validate=False) as cs:
        assert await cs.listVirtualMachines(newparameter="x", listall="maybe") == {"count": 0}
    assert fake.sent()[0]["newparameter"] == "x"
    # per call, as %cloudstack --no-validate needs it
    assert await fake_cs.call("listVirtualMachines", {"newparameter": "y"}, validate=False) == {"count": 0}
    assert fake_cs.prepare("listVirtualMachines", {"newparameter": "y"}, validate=False).params["newparameter"] == "y"
    with pytest.raises(InvalidParameterError):
        await fake_cs.call("listVirtualMachines", {"newparameter": "y"})


async def test_a_dict_for_tags_is_sent_as_key_value_pairs(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = json_reply("listVirtualMachines", {"count": 0})
    await fake_cs.listVirtualMachines(tags={"env": "prod", "team": "ops"})
    params = fake.sent()[0]
    assert [params[f"tags[{i}].{f}"] for i in (0, 1) for f in ("key", "value")] == ["env", "prod", "team", "ops"]
    assert server_accepts(params)


async def test_live_spec_is_cached_per_endpoint_and_key(fake: FakeServer) -> None:
    fake.answers["listApis"] = Reply(200, LIVE)
    async with client(fake) as first, client(fake) as second:
        assert await first.fetch_spec() is await second.fetch_spec()
        with pytest.raises(UnknownCommandError):
            second.prepare("listHosts")  # the second client checks against the cached spec too
    async with CloudStack(ENDPOINT, "other-key", SECRET, handler=fake) as other:
        await other.fetch_spec()
    assert len(fake.sent("listApis")) == 2  # once per key


async def test_validate_true_fetches_the_spec_first(fake: FakeServer) -> None:
    fake.answers["listApis"] = Reply(200, LIVE)
    async with client(fake, validate=True) as cs:
        with pytest.raises(UnknownCommandError):
            await cs.listVirtualMachines()
    assert [p["command"] for p in fake.sent()] == ["listApis"]


async def test_without_a_live_spec_unknown_commands_are_still_sent(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["frobnicateCluster"] = json_reply("frobnicateCluster", {"success": True})
    assert await fake_cs.frobnicateCluster(id="c") == {"success": True}


def test_prepare_signs_without_sending(cs: CloudStack) -> None:
    prepared = cs.prepare("listZones", {"name": "a b"})
    assert prepared.method == "GET" and prepared.body is None
    assert prepared.url.startswith(ENDPOINT + "?command=listZones&name=a%20b&page=1&pagesize=500&")
    assert "page" not in cs.prepare("listZones", fetch_all=False).params
    assert "page" not in cs.prepare("deployVirtualMachine", DEPLOY).params
    assert server_accepts(prepared.params)
    assert KEY not in repr(prepared) and prepared.params["signature"] not in repr(prepared)


def test_prepare_posts_userdata_passwords_and_long_queries(cs: CloudStack) -> None:
    assert cs.prepare("deployVirtualMachine", {**DEPLOY, "userdata": "IyEvYmluL3No"}).method == "POST"
    assert cs.prepare("updateUser", {"id": USER, "password": "p"}).method == "POST"
    long = cs.prepare("listZones", {"keyword": "x" * 5000})
    assert long.method == "POST" and long.url == ENDPOINT and "keyword=xxx" in (long.body or "")
    assert cs.prepare("listZones", {"keyword": "x" * 3000}).method == "GET"


async def test_post_body_is_signed_form_data(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["updateUser"] = json_reply("updateUser", {"user": {"id": "u"}})
    assert await fake_cs.updateUser(id=USER, password="s3cret~") == {"user": {"id": "u"}}
    (request,) = fake.requests
    assert request.method == "POST" and request.url == ENDPOINT and "password" not in request.url
    from urllib.parse import parse_qsl

    params = dict(parse_qsl(request.body or ""))
    assert params["password"] == "s3cret~" and server_accepts(params)


@pytest.mark.parametrize(("option", "method"), [("get", "GET"), ("post", "POST")])
def test_method_option_forces_the_method(option: str, method: str) -> None:
    cs = CloudStack(ENDPOINT, KEY, SECRET, method=option)
    assert cs.prepare("updateUser", {"id": USER, "password": "p"} if option == "get" else {"id": USER}).method == method


def test_signature_version_off() -> None:
    prepared = CloudStack(ENDPOINT, KEY, SECRET, signature_version=None).prepare("listZones")
    assert "expires" not in prepared.params and "signatureVersion" not in prepared.params
    assert server_accepts(prepared.params)


@pytest.mark.parametrize(("command", "params", "message"), [
    ("list zones", None, "'list zones' is not a CloudStack command name"),
    ("listZones", {"p": object()}, "listZones: parameter p: cannot send a object"),
])
async def test_bad_calls_fail_before_sending(cs: CloudStack, command: str, params: Any, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        await cs.call(command, params)


def test_constructor_checks_its_input() -> None:
    with pytest.raises(ConfigError, match="needs an API key and a secret key"):
        CloudStack(ENDPOINT, "", SECRET)
    with pytest.raises(ConfigError, match="must be an http\\(s\\) URL"):
        CloudStack("cloud.example.com", KEY, SECRET)
    with pytest.raises(ConfigError, match="must not carry a query or fragment"):
        CloudStack(ENDPOINT + "?apiKey=leak", KEY, SECRET)
    with pytest.raises(ConfigError, match="unknown client option 'page_concurency'"):
        CloudStack(ENDPOINT, KEY, SECRET, page_concurency=2)


def test_cloudstackaio_constructor_and_attributes() -> None:
    cs = CloudStack(ENDPOINT, KEY, SECRET, None, 5, 100)
    assert (cs.end_point, cs.endpoint, cs.api_key, cs.async_poll_latency, cs.max_page_size) == (
        ENDPOINT, ENDPOINT, KEY, 5, 100)


def test_repr_hides_keys() -> None:
    cs = CloudStack("https://admin:pw@cloud.example.com/client/api", KEY, SECRET)
    assert repr(cs) == "<CloudStack https://cloud.example.com/client/api region=None>"
    assert KEY not in repr(cs.options) + repr(cs) and SECRET not in repr(cs.options) + repr(cs)


async def test_a_closed_client_refuses_calls(fake: FakeServer) -> None:
    fake.answers["listZones"] = json_reply("listZones", {})
    cs = client(fake)
    await cs.listZones()
    await cs.close()
    await cs.close()  # idempotent
    with pytest.raises(RuntimeError, match="client is closed"):
        await cs.listZones()
    assert len(fake.sent()) == 1


def test_use_from_another_loop_is_a_clear_error(unused_port: int) -> None:
    cs = CloudStack(f"http://127.0.0.1:{unused_port}/client/api", KEY, SECRET, retries=0)
    first = asyncio.new_event_loop()
    second = asyncio.new_event_loop()
    try:
        with pytest.raises(ConnectError):
            first.run_until_complete(cs.listZones())  # binds to `first` (nothing listens there)
        with pytest.raises(RuntimeError, match="belongs to the event loop it was first used on"):
            second.run_until_complete(cs.listZones())
    finally:
        first.run_until_complete(cs.close())
        first.close()
        second.close()


async def test_from_config_uses_the_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    ini = tmp_path / "cloudstack.ini"
    ini.write_text(f"[lab]\nendpoint = {ENDPOINT}\nkey = {KEY}\nsecret = {SECRET}\ntimeout = 7\n")
    ini.chmod(0o600)
    monkeypatch.setenv("CLOUDSTACK_CONFIG", str(ini))
    for name in ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "CLOUDSTACK_REGION"):
        monkeypatch.delenv(name, raising=False)
    cs = CloudStack.from_config("lab", retries=1)
    assert (cs.region, cs.endpoint, cs.options.timeout, cs.options.retries) == ("lab", ENDPOINT, 7.0, 1)
    assert CloudStack.from_config("lab", timeout=9).options.timeout == 9.0


async def test_validate_false_ignores_a_known_live_spec(fake: FakeServer) -> None:
    fake.answers["listApis"] = Reply(200, LIVE)
    fake.answers["listHosts"] = json_reply("listHosts", {})
    async with client(fake) as checked, client(fake, validate=False) as free:
        await checked.fetch_spec()
        with pytest.raises(UnknownCommandError):
            checked.prepare("listHosts")
        assert free.prepare("listHosts").params["command"] == "listHosts"
        assert await free.listHosts() == {}


class InFlight:
    """vm_pages answered after a pause, counting the requests in flight at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peaks: list[int] = []

    async def __call__(self, params: dict[str, str]) -> Reply:
        self.now += 1
        self.peaks.append(self.now)
        await asyncio.sleep(0.01)
        self.now -= 1
        return vm_pages(params)


async def test_big_listings_remember_their_total_for_next_time(fake: FakeServer) -> None:
    pages = InFlight()
    fake.answers["listZones"] = json_reply("listZones", {"count": 1, "zone": [{"id": "z"}]})

    async def answer(request: Any) -> Reply:
        if request.params["command"] == "listVirtualMachines":
            return await pages(dict(request.params))
        return fake(request)

    async with CloudStack(ENDPOINT, KEY, SECRET, handler=answer, max_page_size=5, page_concurrency=8) as cs:
        first = await cs.listVirtualMachines(listall=True)
        assert max(pages.peaks) == 4  # page 1 alone told the total, then pages 2-5 at once
        pages.peaks.clear()
        assert await cs.listVirtualMachines(listall=True) == first
        assert max(pages.peaks) == 5  # the total was remembered: pages 1-5 at once
        pages.peaks.clear()
        await cs.listVirtualMachines(listall=True, state="Running")  # another listing: page 1 first
        assert max(pages.peaks) == 4


async def test_cancelling_a_deploy_names_the_job_still_running(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["deployVirtualMachine"] = json_reply("deployVirtualMachine", {"id": "vm", "jobid": "j7"})
    fake.answers["queryAsyncJobResult"] = job("j7", 0)
    task = asyncio.ensure_future(fake_cs.deployVirtualMachine(**DEPLOY))
    for _ in range(1000):  # until the first poll went out (bounded; no wall-clock assumption)
        if fake.sent("queryAsyncJobResult"):
            break
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await task
    assert type(caught.value) is asyncio.CancelledError  # exact class: asyncio.timeout on 3.11 needs it
    assert abandoned_job(caught.value) == ("deployVirtualMachine", "j7")
    polls = len(fake.sent())
    await asyncio.sleep(0.1)
    assert len(fake.sent()) == polls


async def test_abandoned_job_is_found_behind_asyncio_timeout(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["deployVirtualMachine"] = json_reply("deployVirtualMachine", {"id": "vm", "jobid": "j8"})
    fake.answers["queryAsyncJobResult"] = job("j8", 0)
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.2):
            await fake_cs.deployVirtualMachine(**DEPLOY)
    assert abandoned_job(caught.value) == ("deployVirtualMachine", "j8")


async def test_job_timeout_option(fake: FakeServer) -> None:
    fake.answers["startVirtualMachine"] = json_reply("startVirtualMachine", {"jobid": "j8"})
    fake.answers["queryAsyncJobResult"] = job("j8", 0)
    async with client(fake, job_timeout=0.2, poll_initial=0.01, async_poll_latency=0.05) as cs:
        with pytest.raises(JobTimeoutError, match="startVirtualMachine job j8 did not finish within 0.2 s"):
            await cs.startVirtualMachine(id=VM)


def capped_vm_pages(limit: int) -> Any:
    """vm_pages on a server whose default.page.size is ``limit`` (BaseListCmd's checks)."""
    def answer(params: dict[str, str]) -> Reply:
        if "pagesize" in params and "page" not in params and params["pagesize"] != "-1":
            text = '"page" parameter is required when "pagesize" is specified'
        elif int(params.get("pagesize", 0)) > limit:
            text = f"Page size can't exceed max allowed page size value: {limit}"
        elif params.get("pagesize") == "-1":
            return json_reply("listVirtualMachines", {"count": len(VMS), "virtualmachine": VMS})
        else:
            return vm_pages(params)
        body = {"uuidList": [], "errorcode": 431, "cserrorcode": 4350, "errortext": text}
        return json_reply("listVirtualMachines", body, 431)
    return answer


def page_sizes_sent(fake: FakeServer) -> list[tuple[str | None, str | None]]:
    return [(p.get("page"), p.get("pagesize")) for p in fake.sent()]


async def test_a_lower_server_page_size_is_learned_from_its_refusal(fake: FakeServer) -> None:
    fake.answers["listVirtualMachines"] = capped_vm_pages(10)
    async with client(fake) as cs:
        assert await cs.listVirtualMachines(listall=True) == {"count": 23, "virtualmachine": VMS}
        assert page_sizes_sent(fake)[:2] == [("1", "500"), ("1", "10")]
        assert sorted(page_sizes_sent(fake)[1:]) == [("1", "10"), ("2", "10"), ("3", "10")]
        assert await cs.listVirtualMachines(state="Running") == {"count": 23, "virtualmachine": VMS}
        assert page_sizes_sent(fake)[4] == ("1", "10")  # the next listing starts at the limit
        assert cs.prepare("listVirtualMachines").params["pagesize"] == "10"
    assert len(fake.sent()) == 7


async def test_pagesize_alone_reads_every_page_that_size(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = capped_vm_pages(100)
    events: list[PageProgress] = []
    result = await fake_cs.call("listVirtualMachines", {"listall": True, "pagesize": 7}, progress=events.append)
    assert result == {"count": 23, "virtualmachine": VMS}
    assert sorted(page_sizes_sent(fake)) == [(str(page), "7") for page in range(1, 5)]
    assert events[-1].done and events[-1].pages_total == 4
    assert fake_cs.prepare("listVirtualMachines", {"pageSize": 7}).params["pagesize"] == "7"


async def test_pagesize_above_the_servers_limit_alone_is_read_at_the_limit(
        fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = capped_vm_pages(10)
    assert await fake_cs.listVirtualMachines(pagesize=20) == {"count": 23, "virtualmachine": VMS}
    assert page_sizes_sent(fake)[:2] == [("1", "20"), ("1", "10")] and len(fake.sent()) == 4


async def test_pagesize_minus_one_alone_is_the_servers_single_unlimited_request(
        fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = capped_vm_pages(10)
    assert await fake_cs.listVirtualMachines(pagesize=-1) == {"count": 23, "virtualmachine": VMS}
    assert page_sizes_sent(fake) == [(None, "-1")]


async def test_page_and_pagesize_stay_exactly_that_page_even_above_the_limit(
        fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listVirtualMachines"] = capped_vm_pages(10)
    with pytest.raises(BadRequestError, match="max allowed page size value: 10"):
        await fake_cs.listVirtualMachines(page=1, pagesize=20)
    assert page_sizes_sent(fake) == [("1", "20")]


@pytest.mark.parametrize(("size", "why"), [("ten", "is not an integer"), ("2.5", "is not an integer"),
                                           ("0", "must be a whole number of rows per page"),
                                           ("-2", "must be a whole number of rows per page")])
async def test_a_pagesize_that_is_no_row_count_fails_before_sending(
        fake: FakeServer, fake_cs: CloudStack, size: str, why: str) -> None:
    with pytest.raises(CommandError, match=f"pagesize='{size}' {why}"):
        await fake_cs.listVirtualMachines(pagesize=size)
    assert not fake.sent()
