"""``key=@path``: a bounded read of a regular text file, one line for anything else."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from cloudstack_magic.magics._parse import MAX_FILE_BYTES, ParseError, read_parameter_file


def test_text_and_userdata_are_read(tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("héllo\n", encoding="utf-8")
    assert read_parameter_file("displaytext", str(text)) == "héllo\n"
    assert read_parameter_file("userdata", str(text)) == base64.b64encode("héllo\n".encode()).decode()


@pytest.mark.parametrize(("path", "words"), [
    ("/dev/zero", "a device or pipe, not a regular file"),
    ("/dev/null", "a device or pipe, not a regular file"),
    ("/", "a directory"),
    ("/nonexistent/file", "cannot read the file"),
])
def test_what_is_not_a_regular_file_is_refused_in_one_line(path: str, words: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_parameter_file("name", path)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 64)  # sparse: 64 MiB of zeros costs no disk
    with pytest.raises(ParseError, match="over 1 MiB"):
        read_parameter_file("userdata", str(big))
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"a" * MAX_FILE_BYTES)
    assert len(read_parameter_file("displaytext", str(exact))) == MAX_FILE_BYTES


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00", b"caf\xe9 latin-1"])
def test_a_binary_file_is_refused_for_a_text_parameter_but_sent_as_userdata(tmp_path: Path, content: bytes) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(content)
    with pytest.raises(ParseError, match="binary, not UTF-8 text"):
        read_parameter_file("name", str(blob))
    assert base64.b64decode(read_parameter_file("userdata", str(blob))) == content


def test_dev_zero_in_the_magic_is_one_usage_error_and_nothing_is_stored(ip: Any) -> None:
    ip.user_ns["x"] = "untouched"
    with pytest.raises(UsageError) as caught:
        ip.run_cell("x = %cloudstack listVirtualMachines name=@/dev/zero")
    assert type(caught.value) is UsageError and "\n" not in str(caught.value)
    assert "name=@/dev/zero: a device or pipe" in str(caught.value)
    assert ip.user_ns["x"] == "untouched"
