"""The exception contract: declared fields, one message built where raised, context in fields."""

from __future__ import annotations

import asyncio
import inspect
import typing

import pytest

import cloudstack_magic
from cloudstack_magic import CloudStackClientException, InvalidParameterError, abandoned_job
from cloudstack_magic._errors import mark_abandoned_job

FIELDS = {"message", "command", "status", "cserrorcode", "error_code", "error_text", "response",
          "retryable", "retry_after", "jobid", "region", "hint", "outcome_unknown", "attempts"}


def exception_classes() -> list[type[CloudStackClientException]]:
    return [obj for obj in vars(cloudstack_magic).values()
            if inspect.isclass(obj) and issubclass(obj, CloudStackClientException)]


def test_every_field_is_declared_with_a_default_on_every_class() -> None:
    for cls in exception_classes():
        hints = typing.get_type_hints(cls)
        assert FIELDS <= set(hints), cls
        bare = cls.__new__(cls)  # declared defaults answer even before __init__ ran
        assert bare.retryable is False and bare.region is None and bare.hint is None, cls


def test_the_message_is_built_once_and_context_goes_to_fields() -> None:
    error = InvalidParameterError("listZones has no parameter 'x'", command="listZones", parameter="x")
    error.region = "prod"
    error.hint = "use --columns"
    assert str(error) == error.message == error.args[0] == "listZones has no parameter 'x'"
    assert (error.region, error.hint, error.retryable, error.status) == ("prod", "use --columns", False, None)
    error.attempts = 4
    assert str(error) == "listZones has no parameter 'x' (gave up after 4 attempts)"
    assert error.args == ("listZones has no parameter 'x'",)


def test_positional_fields_stay_cloudstackaios() -> None:
    error = CloudStackClientException("m", 431, "bad", {"x": 1}, status=431, retryable=True)
    assert (error.error_code, error.error_text, error.response, error.retryable) == (431, "bad", {"x": 1}, True)


async def test_abandoned_job_is_found_behind_asyncio_timeout() -> None:
    async def wait_for_a_job() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError as cancelled:
            mark_abandoned_job(cancelled, "job-1", "deployVirtualMachine")
            raise

    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.01):
            await wait_for_a_job()
    assert abandoned_job(caught.value) == ("deployVirtualMachine", "job-1")
    with pytest.raises(TimeoutError) as waited:
        await asyncio.wait_for(wait_for_a_job(), 0.01)
    assert abandoned_job(waited.value) == ("deployVirtualMachine", "job-1")


def test_abandoned_job_reads_a_context_only_chain_and_stops_on_cycles() -> None:
    cancelled = asyncio.CancelledError()
    mark_abandoned_job(cancelled, "j", None)
    outer = TimeoutError()
    outer.__context__ = cancelled  # raised inside an except block, without `from`
    assert abandoned_job(outer) == (None, "j")
    a, b = ValueError(), ValueError()
    a.__context__, b.__context__ = b, a
    assert abandoned_job(a) is None
