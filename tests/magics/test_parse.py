"""The pure parser: words, comments, interpolation, objects, files and its one-line errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from cloudstack_magic.magics._parse import (
    Call,
    ParseError,
    expand,
    parse_calls,
    split_options,
    strip_comments,
    tokenize,
)


def calls(text: str, namespace: dict | None = None, **kw: object) -> list[Call]:
    ns = namespace or {}
    return parse_calls(tokenize(expand(strip_comments(text), ns)), ns, **kw)


def test_line_with_quoted_values() -> None:
    (call,) = calls("""listVirtualMachines name="my vm" keyword='a b' state=Running""")
    assert call.command == "listVirtualMachines"
    assert call.params == {"name": "my vm", "keyword": "a b", "state": "Running"}


def test_backslash_escapes_and_empty_value() -> None:
    (call,) = calls(r'createTags key=a\ b value="say \"hi\"" description=""')
    assert call.params == {"key": "a b", "value": 'say "hi"', "description": ""}


def test_cell_with_one_command_over_lines_and_comments() -> None:
    body = """
    # a deploy reads well over several lines
    deployVirtualMachine
        zoneid = z1            # the zone
        templateid=t1
        serviceofferingid =s1
        name= "web 1"
        url=http://host/#frag
    """
    (call,) = calls(body)
    assert call.params == {
        "zoneid": "z1", "templateid": "t1", "serviceofferingid": "s1", "name": "web 1",
        "url": "http://host/#frag",
    }


def test_several_commands_in_order() -> None:
    found = calls("listZones\nlistTemplates templatefilter=featured\nlistVolumes type=ROOT")
    assert [c.command for c in found] == ["listZones", "listTemplates", "listVolumes"]
    assert found[1].params == {"templatefilter": "featured"}


def test_hash_inside_quotes_is_not_a_comment() -> None:
    assert strip_comments('a="x # y" # gone\nb') == 'a="x # y" \nb'


def test_dollar_and_brace_interpolation() -> None:
    ns = {"zone": "z9", "sizes": [10, 20], "vm": type("V", (), {"id": "v1"})()}
    (call,) = calls("listVolumes zoneid=$zone pagesize={sizes[1]} virtualmachineid=$vm.id", ns)
    assert call.params == {"zoneid": "z9", "pagesize": "20", "virtualmachineid": "v1"}


def test_escapes_keep_literal_dollar_and_braces() -> None:
    (call,) = calls("createTags value=$$HOME description={{x}} note='$zone'", {"zone": "z"})
    assert call.params == {"value": "$HOME", "description": "{x}", "note": "$zone"}


def test_failing_interpolation_is_an_error_not_literal_text() -> None:
    with pytest.raises(ParseError, match=r"NameError.*\$\$ for a literal \$"):
        calls("listZones id={missing}")


def test_object_parameters_from_namespace() -> None:
    tags = {"env": "prod"}
    ns = {"tags": tags, "ids": ["a", "b"], "cfg": type("C", (), {"flag": True})()}
    (call,) = calls("createTags resourceids=:ids tags=:tags listall=:cfg.flag", ns)
    assert call.params["tags"] is tags
    assert call.params["resourceids"] == ["a", "b"]
    assert call.params["listall"] is True


def test_quoted_colon_and_at_are_literal() -> None:
    (call,) = calls("""createTags a=":x" b='@file' c=:""", {})
    assert call.params == {"a": ":x", "b": "@file", "c": ":"}


def test_unknown_object_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match="no variable 'nope' in the notebook"):
        calls("createTags tags=:nope")
    with pytest.raises(ParseError, match="not a variable name"):
        calls("createTags tags=:1x")


def test_file_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cloud-init.yaml").write_bytes(b"#cloud-config\npackages: [nginx]\n")
    Path("key.pub").write_text("ssh-ed25519 AAAA me\n")
    (call,) = calls("deployVirtualMachine userdata=@cloud-init.yaml publickey=@key.pub")
    assert base64.b64decode(call.params["userdata"]) == b"#cloud-config\npackages: [nginx]\n"
    assert call.params["publickey"] == "ssh-ed25519 AAAA me\n"
    assert call.files == {"userdata": "cloud-init.yaml", "publickey": "key.pub"}


def test_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParseError, match=r"userdata=@nope.yaml: cannot read the file"):
        calls("deployVirtualMachine userdata=@nope.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('listZones name="open', "unterminated \" quote"),
        ("listZones id=1 id=2", "parameter id is given twice"),
        ("id=1 listZones", "comes before any command"),
        ("listZones 9x=1", "is not a parameter name"),
        ("listZones -o x", "option -o must come before the command"),
        ("listZones 'quoted command'", "unexpected word 'quoted command'"),
    ],
)
def test_errors_are_one_line_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        calls(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_single_command_mode_rejects_a_second_bare_word() -> None:
    with pytest.raises(ParseError, match="unexpected word 'running' after listVirtualMachines"):
        calls("listVirtualMachines running", single=True)


def test_split_options_stops_at_the_command() -> None:
    words = tokenize("-o vms --limit=5 -r a,b --raw listZones name=-x")
    options, rest = split_options(words, lambda option: option in {"-o", "-r", "--limit"})
    assert options == ["-o", "vms", "--limit=5", "-r", "a,b", "--raw"]
    assert [w.text for w in rest] == ["listZones", "name=-x"]


def test_interpolation_keeps_every_line() -> None:
    # IPython's $name pattern alone would drop the text before a newline
    assert expand("listZones\n  id=$zone\n  name={n}", {"zone": "z", "n": 1}) == "listZones\n  id=z\n  name=1"
