"""The client over mocked HTTP: request/attribute/call forms, signing on the wire, paging and jobs
through the real call path, validation against a live spec, prepare(), lifecycle."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aioresponses import CallbackResult
from aioresponses import aioresponses as Aioresponses

from cloudstack_magic import (
    BadRequestError,
    CloudStack,
    CommandError,
    ConfigError,
    ConnectError,
    JobFailedError,
    JobTimeoutError,
    abandoned_job,
    MissingParameterError,
    PageProgress,
    Spec,
    UnknownCommandError,
)
from cloudstack_magic.client._client import _LIVE_SPECS

from .conftest import ENDPOINT, KEY, SECRET, command_url, requests_of, sent_params, server_accepts


VMS = [{"id": f"vm-{i:03d}", "name": f"vm{i}"} for i in range(23)]


def vm_pages(url: Any, **kwargs: Any) -> CallbackResult:
    params = sent_params(url, kwargs)
    page, size = int(params["page"]), int(params["pagesize"])
    rows = VMS[(page - 1) * size:page * size]
    body: dict[str, Any] = {"count": len(VMS), "virtualmachine": rows} if rows else {"count": len(VMS)}
    return CallbackResult(payload={"listvirtualmachinesresponse": body})


async def test_request_unwraps_and_signs_what_the_server_checks(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listZones"), payload={"listzonesresponse": {"count": 1, "zone": [{"id": "z1"}]}})
    assert await cs.request("listZones", available=True) == {"count": 1, "zone": [{"id": "z1"}]}
    ((url, _),) = requests_of(http)
    params = sent_params(url)
    assert params["apiKey"] == KEY and params["response"] == "json" and params["available"] == "true"
    assert params["signatureVersion"] == "3" and params["expires"].endswith("+0000")
    assert (params["page"], params["pagesize"]) == ("1", "500")
    assert server_accepts(params)


async def test_attribute_form_and_tricky_values_on_the_wire(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listTemplates"), payload={"listtemplatesresponse": {}})
    assert await cs.listTemplates(keyword="a~b (c)*+&=é", templatefilter="all",
                                  tags=[{"key": "env", "value": "a b"}]) == {}
    ((url, _),) = requests_of(http)
    params = sent_params(url)
    assert params["keyword"] == "a~b (c)*+&=é" and params["tags[0].value"] == "a b"
    assert server_accepts(params)


def test_attribute_form_is_not_offered_for_tool_probes(cs: CloudStack) -> None:
    assert not hasattr(cs, "getdoc")  # IPython's ? would otherwise start an API call
    assert not hasattr(cs, "_repr_html_")
    assert callable(cs.listVirtualMachines) and cs.listVirtualMachines.__name__ == "listVirtualMachines"
    assert "deployVirtualMachine" in dir(cs)


async def test_lists_are_paged_concurrently_and_merged(http: Aioresponses) -> None:
    http.get(command_url("listVirtualMachines"), callback=vm_pages, repeat=True)
    events: list[PageProgress] = []
    async with CloudStack(ENDPOINT, KEY, SECRET, max_page_size=5) as cs:
        result = await cs.call("listVirtualMachines", {"listall": True}, progress=events.append)
    assert result == {"count": 23, "virtualmachine": VMS}
    sent = sorted((sent_params(u)["page"], sent_params(u)["pagesize"]) for u, _ in requests_of(http))
    assert sent == windows(23, 5)  # overlapping windows of at most 5 rows (see client/_windows.py)
    assert events[-1].done and events[-1].pages_total == len(sent) and events[-1].rows_done == 23


async def test_caller_page_gets_exactly_that_page(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), callback=vm_pages, repeat=True)
    result = await cs.listVirtualMachines(page=2, pagesize=10)
    assert result == {"count": 23, "virtualmachine": VMS[10:20]}
    assert len(requests_of(http)) == 1


async def test_fetch_all_false_sends_one_plain_request(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), payload={"listvirtualmachinesresponse": {"count": 23,
                                                                                         "virtualmachine": VMS[:5]}})
    assert (await cs.call("listVirtualMachines", fetch_all=False))["count"] == 23
    ((url, _),) = requests_of(http)
    assert "page" not in sent_params(url)


async def test_unknown_list_command_is_paged_by_its_name(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listQuantumWidgets"), payload={"listquantumwidgetsresponse": {"count": 1, "w": [{"id": 1}]}})
    assert await cs.listQuantumWidgets() == {"count": 1, "w": [{"id": 1}]}
    assert sent_params(requests_of(http)[0][0])["page"] == "1"


async def test_async_command_waits_for_its_job(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("deployVirtualMachine"), payload={"deployvirtualmachineresponse": {"id": "vm-9", "jobid": "j9"}})
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {"jobid": "j9", "jobstatus": 0}})
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {
        "jobid": "j9", "jobstatus": 1, "jobresult": {"virtualmachine": {"id": "vm-9", "state": "Running"}}}})
    result = await cs.deployVirtualMachine(serviceofferingid="s", templateid="t", zoneid="z")
    assert result == {"virtualmachine": {"id": "vm-9", "state": "Running"}}
    queries = [sent_params(u) for u, _ in requests_of(http) if "queryAsyncJobResult" in str(u)]
    assert [q["jobid"] for q in queries] == ["j9", "j9"] and all(server_accepts(q) for q in queries)


async def test_wait_false_returns_the_jobid(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("startVirtualMachine"), payload={"startvirtualmachineresponse": {"jobid": "j1"}})
    assert await cs.call("startVirtualMachine", {"id": "vm-1"}, wait=False) == {"jobid": "j1"}


async def test_failed_job_raises_with_the_jobs_error(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("startVirtualMachine"), payload={"startvirtualmachineresponse": {"jobid": "j1"}})
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {
        "jobid": "j1", "jobstatus": 2, "jobresult": {"errorcode": 533, "errortext": "Insufficient capacity"}}})
    with pytest.raises(JobFailedError, match="startVirtualMachine job j1 failed: Insufficient capacity"):
        await cs.startVirtualMachine(id="vm-1")


async def test_query_async_job_result_itself_is_not_awaited(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {"jobid": "j", "jobstatus": 0}})
    assert await cs.queryAsyncJobResult(jobid="j") == {"jobid": "j", "jobstatus": 0}


async def test_sync_command_with_a_jobid_field_is_not_awaited(http: Aioresponses, cs: CloudStack) -> None:
    # listApis-known sync commands return objects that may carry a pending job's id
    http.get(command_url("getVMPassword"), payload={"getvmpasswordresponse": {"jobid": "j", "password": {}}})
    assert await cs.getVMPassword(id="vm") == {"jobid": "j", "password": {}}


async def test_command_case_is_fixed_from_the_spec(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listZones"), payload={"listzonesresponse": {}})
    assert await cs.request("listzones") == {}


LIVE = {"listapisresponse": {"count": 2, "api": [
    {"name": "listZones", "isasync": False, "params": [{"name": "page", "type": "integer"},
                                                       {"name": "pagesize", "type": "integer"}]},
    {"name": "deployVirtualMachine", "isasync": True, "params": [
        {"name": "zoneid", "type": "uuid", "required": True},
        {"name": "templateid", "type": "uuid", "required": True}]},
]}}


async def test_live_spec_rejects_unknown_commands_and_missing_params_before_sending(
        http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listApis"), payload=LIVE)
    spec = await cs.fetch_spec()
    assert isinstance(spec, Spec) and set(spec) == {"listZones", "deployVirtualMachine"}
    with pytest.raises(UnknownCommandError) as unknown:
        await cs.listZone()
    assert unknown.value.suggestions == ["listZones"] and "did you mean listZones?" in str(unknown.value)
    with pytest.raises(MissingParameterError, match="deployVirtualMachine needs templateid") as missing:
        await cs.deployVirtualMachine(zoneid="z")
    assert missing.value.missing == ["templateid"]
    assert len(requests_of(http)) == 1  # only listApis went out


async def test_live_spec_is_cached_per_endpoint_and_key(http: Aioresponses) -> None:
    http.get(command_url("listApis"), payload=LIVE)
    async with CloudStack(ENDPOINT, KEY, SECRET) as first, CloudStack(ENDPOINT, KEY, SECRET) as second:
        assert await first.fetch_spec() is await second.fetch_spec()
    assert len(requests_of(http)) == 1 and len(_LIVE_SPECS) == 1


async def test_validate_true_fetches_the_spec_first(http: Aioresponses) -> None:
    http.get(command_url("listApis"), payload=LIVE)
    async with CloudStack(ENDPOINT, KEY, SECRET, validate=True) as cs:
        with pytest.raises(UnknownCommandError):
            await cs.listVirtualMachines()


async def test_without_a_live_spec_unknown_commands_are_still_sent(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("frobnicateCluster"), payload={"frobnicateclusterresponse": {"success": True}})
    assert await cs.frobnicateCluster(id="c") == {"success": True}


def test_prepare_signs_without_sending(cs: CloudStack) -> None:
    prepared = cs.prepare("listZones", {"name": "a b"})
    assert prepared.method == "GET" and prepared.body is None
    assert prepared.url.startswith(ENDPOINT + "?command=listZones&name=a%20b&page=1&pagesize=500&")
    assert "page" not in cs.prepare("listZones", fetch_all=False).params
    assert "page" not in cs.prepare("deployVirtualMachine", {"zoneid": "z"}).params
    assert server_accepts(prepared.params)
    assert KEY not in repr(prepared) and prepared.params["signature"] not in repr(prepared)


def test_prepare_posts_userdata_passwords_and_long_queries(cs: CloudStack) -> None:
    assert cs.prepare("deployVirtualMachine", {"userdata": "IyEvYmluL3No"}).method == "POST"
    assert cs.prepare("updateUser", {"id": "u", "password": "p"}).method == "POST"
    long = cs.prepare("listZones", {"keyword": "x" * 5000})
    assert long.method == "POST" and long.url == ENDPOINT and "keyword=xxx" in (long.body or "")
    assert cs.prepare("listZones", {"keyword": "x" * 3000}).method == "GET"


async def test_post_body_is_signed_form_data(http: Aioresponses, cs: CloudStack) -> None:
    http.post(ENDPOINT, payload={"updateuserresponse": {"user": {"id": "u"}}})
    assert await cs.updateUser(id="u", password="s3cret~") == {"user": {"id": "u"}}
    ((url, kwargs),) = requests_of(http, "POST")
    params = sent_params(url, kwargs)
    assert params["password"] == "s3cret~" and "password" not in str(url) and server_accepts(params)
    assert kwargs["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(("option", "method"), [("get", "GET"), ("post", "POST")])
def test_method_option_forces_the_method(option: str, method: str) -> None:
    cs = CloudStack(ENDPOINT, KEY, SECRET, method=option)
    assert cs.prepare("updateUser", {"password": "p"} if option == "get" else {}).method == method


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


async def test_one_session_reused_and_closed(http: Aioresponses) -> None:
    http.get(command_url("listZones"), payload={"listzonesresponse": {}}, repeat=True)
    cs = CloudStack(ENDPOINT, KEY, SECRET)
    await cs.listZones()
    session = cs._transport._session
    await cs.listZones()
    assert cs._transport._session is session and session is not None
    await cs.close()
    await cs.close()  # idempotent
    assert session.closed
    with pytest.raises(RuntimeError, match="client is closed"):
        await cs.listZones()


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
    monkeypatch.setenv("CLOUDSTACK_CONFIG", str(ini))
    for name in ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "CLOUDSTACK_REGION"):
        monkeypatch.delenv(name, raising=False)
    cs = CloudStack.from_config("lab", retries=1)
    assert (cs.region, cs.endpoint, cs.options.timeout, cs.options.retries) == ("lab", ENDPOINT, 7.0, 1)
    assert CloudStack.from_config("lab", timeout=9).options.timeout == 9.0


async def test_validate_false_ignores_a_known_live_spec(http: Aioresponses) -> None:
    http.get(command_url("listApis"), payload=LIVE)
    http.get(command_url("listHosts"), payload={"listhostsresponse": {}})
    async with CloudStack(ENDPOINT, KEY, SECRET) as checked, CloudStack(ENDPOINT, KEY, SECRET, validate=False) as free:
        await checked.fetch_spec()
        with pytest.raises(UnknownCommandError):
            checked.prepare("listHosts")
        assert free.prepare("listHosts").params["command"] == "listHosts"
        assert await free.listHosts() == {}


async def test_big_listings_remember_their_total_for_next_time(http: Aioresponses) -> None:
    http.get(command_url("listVirtualMachines"), callback=vm_pages, repeat=True)
    http.get(command_url("listZones"), payload={"listzonesresponse": {"count": 1, "zone": [{"id": "z"}]}})
    async with CloudStack(ENDPOINT, KEY, SECRET, max_page_size=5, page_concurrency=8) as cs:
        first = await cs.listVirtualMachines(listall=True)
        assert cs._list_totals == {("listVirtualMachines", (("listall", "true"),)): 23}
        assert await cs.listVirtualMachines(listall=True) == first  # pages 1-5 sent at once this time
        await cs.listVirtualMachines(listall=True, state="Running")  # another listing
        assert len(cs._list_totals) == 2
        await cs.listZones()  # one page: nothing to remember
        assert len(cs._list_totals) == 2
    sizes = [sent_params(u).get("pagesize") for u, _ in requests_of(http)]
    # aioresponses keeps identical requests together: each listing's windows, and one for zones
    assert len([s for s in sizes if s != "5"]) + sizes.count("5") == 3 * len(windows(23, 5)) + 1


async def test_cancelling_a_deploy_names_the_job_still_running(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("deployVirtualMachine"), payload={"deployvirtualmachineresponse": {"id": "vm", "jobid": "j7"}})
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {"jobid": "j7", "jobstatus": 0}},
             repeat=True)
    task = asyncio.ensure_future(cs.deployVirtualMachine(zoneid="z", templateid="t", serviceofferingid="s"))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await task
    assert type(caught.value) is asyncio.CancelledError  # exact class: asyncio.timeout on 3.11 needs it
    assert abandoned_job(caught.value) == ("deployVirtualMachine", "j7")
    polls = len(requests_of(http))
    await asyncio.sleep(0.1)
    assert len(requests_of(http)) == polls


async def test_job_timeout_option(http: Aioresponses) -> None:
    http.get(command_url("startVirtualMachine"), payload={"startvirtualmachineresponse": {"jobid": "j8"}})
    http.get(command_url("queryAsyncJobResult"), payload={"queryasyncjobresultresponse": {"jobid": "j8", "jobstatus": 0}},
             repeat=True)
    async with CloudStack(ENDPOINT, KEY, SECRET, job_timeout=0.2, poll_initial=0.01, async_poll_latency=0.05) as cs:
        with pytest.raises(JobTimeoutError, match="startVirtualMachine job j8 did not finish within 0.2 s"):
            await cs.startVirtualMachine(id="vm")


def capped_vm_pages(limit: int) -> Any:
    """vm_pages on a server whose default.page.size is ``limit`` (BaseListCmd's checks)."""
    def answer(url: Any, **kwargs: Any) -> CallbackResult:
        params = sent_params(url, kwargs)
        if "pagesize" in params and "page" not in params and params["pagesize"] != "-1":
            text = '"page" parameter is required when "pagesize" is specified'
        elif int(params.get("pagesize", 0)) > limit:
            text = f"Page size can't exceed max allowed page size value: {limit}"
        elif params.get("pagesize") == "-1":
            return CallbackResult(payload={"listvirtualmachinesresponse": {"count": len(VMS), "virtualmachine": VMS}})
        else:
            return vm_pages(url, **kwargs)
        body = {"uuidList": [], "errorcode": 431, "cserrorcode": 4350, "errortext": text}
        return CallbackResult(status=431, payload={"listvirtualmachinesresponse": body})
    return answer


def windows(rows: int, size: int) -> list[tuple[str, str]]:
    """The sorted (page, pagesize) reads that cover ``rows`` rows ``size`` at a time."""
    from cloudstack_magic.client._windows import Tiling

    tiling = Tiling(size)
    return sorted((str(tiling[i].page), str(tiling[i].size)) for i in range(1, tiling.count_for(rows) + 1))


def page_sizes_sent(http: Aioresponses) -> list[tuple[str | None, str | None]]:
    return [(p.get("page"), p.get("pagesize")) for p in (sent_params(u) for u, _ in requests_of(http))]


async def test_a_lower_server_page_size_is_learned_from_its_refusal(http: Aioresponses) -> None:
    http.get(command_url("listVirtualMachines"), callback=capped_vm_pages(10), repeat=True)
    async with CloudStack(ENDPOINT, KEY, SECRET) as cs:
        assert await cs.listVirtualMachines(listall=True) == {"count": 23, "virtualmachine": VMS}
        assert page_sizes_sent(http)[:2] == [("1", "500"), ("1", "10")]
        assert sorted(page_sizes_sent(http)[1:]) == windows(23, 10)
        assert await cs.listVirtualMachines(state="Running") == {"count": 23, "virtualmachine": VMS}
        assert page_sizes_sent(http)[1 + len(windows(23, 10))] == ("1", "10")  # the next starts at the limit
        assert cs.prepare("listVirtualMachines").params["pagesize"] == "10"
    assert len(requests_of(http)) == 1 + 2 * len(windows(23, 10))


async def test_pagesize_alone_reads_every_page_that_size(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), callback=capped_vm_pages(100), repeat=True)
    events: list[PageProgress] = []
    result = await cs.call("listVirtualMachines", {"listall": True, "pagesize": 7}, progress=events.append)
    assert result == {"count": 23, "virtualmachine": VMS}
    assert sorted(page_sizes_sent(http)) == windows(23, 7)
    assert events[-1].done and events[-1].pages_total == len(windows(23, 7))
    assert cs.prepare("listVirtualMachines", {"pageSize": 7}).params["pagesize"] == "7"


async def test_pagesize_above_the_servers_limit_alone_is_read_at_the_limit(http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), callback=capped_vm_pages(10), repeat=True)
    assert await cs.listVirtualMachines(pagesize=20) == {"count": 23, "virtualmachine": VMS}
    assert page_sizes_sent(http)[:2] == [("1", "20"), ("1", "10")] and len(requests_of(http)) == 1 + len(windows(23, 10))


async def test_pagesize_minus_one_alone_is_the_servers_single_unlimited_request(
        http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), callback=capped_vm_pages(10), repeat=True)
    assert await cs.listVirtualMachines(pagesize=-1) == {"count": 23, "virtualmachine": VMS}
    assert page_sizes_sent(http) == [(None, "-1")]


async def test_page_and_pagesize_stay_exactly_that_page_even_above_the_limit(
        http: Aioresponses, cs: CloudStack) -> None:
    http.get(command_url("listVirtualMachines"), callback=capped_vm_pages(10), repeat=True)
    with pytest.raises(BadRequestError, match="max allowed page size value: 10"):
        await cs.listVirtualMachines(page=1, pagesize=20)
    assert page_sizes_sent(http) == [("1", "20")]


@pytest.mark.parametrize("size", ["ten", "0", "-2", "2.5"])
async def test_a_pagesize_that_is_no_row_count_fails_before_sending(cs: CloudStack, size: str) -> None:
    with pytest.raises(CommandError, match=f"pagesize='{size}' must be a whole number of rows per page"):
        await cs.listVirtualMachines(pagesize=size)
