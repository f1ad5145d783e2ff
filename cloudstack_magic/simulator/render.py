"""Response bodies: JSON (``response=json``) or the server's default, XML.

Lists keep the server's shapes: ``{"count": N, "<objectname>": [...]}``, ``{}`` when nothing
matches and ``{"count": N}`` for a page past the end. JSON pages are stitched from each row's
cached bytes, so a 500-row page costs a join, not a ``json.dumps``.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .dispatch import JobAccepted, ListResult, Result
from .tables import dumps

__all__ = ["JSON_TYPE", "VERSION", "XML_TYPE", "as_data", "render"]

JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"
VERSION = "4.18.1.0"


def as_data(result: Result) -> dict[str, Any]:
    """The body under ``<command>response`` as plain data."""
    if isinstance(result, ListResult):
        if not result.count:
            return {}
        body: dict[str, Any] = {"count": result.count}
        if result.rows:
            body[result.objectname] = result.rows
        return body
    if isinstance(result, JobAccepted):
        return {"id": result.id, "jobid": result.jobid} if result.id else {"jobid": result.jobid}
    return result


def render(response_name: str, result: Result, as_json: bool) -> tuple[bytes, str]:
    """``(body, content type)`` for ``result`` answered under ``response_name``."""
    if not as_json:
        return to_xml(response_name, as_data(result)), XML_TYPE
    if isinstance(result, ListResult) and result.rows and result.table is not None:
        table = result.table
        rows = b",".join([table.json_of(row) for row in result.rows])
        head = f'{{"{response_name}":{{"count":{result.count},"{result.objectname}":['.encode()
        return head + rows + b"]}}", JSON_TYPE
    return dumps({response_name: as_data(result)}), JSON_TYPE


def to_xml(response_name: str, data: dict[str, Any]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{response_name} cloud-stack-version={quoteattr(VERSION)}>"]
    _xml_fields(data, parts)
    parts.append(f"</{response_name}>")
    return "".join(parts).encode("utf-8")


def _xml_fields(data: dict[str, Any], parts: list[str]) -> None:
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f"<{key}>")
            if isinstance(item, dict):
                _xml_fields(item, parts)
            elif isinstance(item, bool):
                parts.append("true" if item else "false")
            elif item is not None:
                parts.append(escape(str(item)))
            parts.append(f"</{key}>")
