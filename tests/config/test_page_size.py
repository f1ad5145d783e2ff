"""``page_size`` (a cloudstack.ini key or CLOUDSTACK_PAGE_SIZE) sets the client's max_page_size."""

from __future__ import annotations

import pytest

from cloudstack_magic import CloudStack
from cloudstack_magic._errors import ConfigError

INI = """
    [lab]
    endpoint = https://lab.example/client/api
    key = lab-key
    secret = lab-secret
    page_size = {size}
"""
ENV = {
    "CLOUDSTACK_ENDPOINT": "https://env.example/client/api",
    "CLOUDSTACK_KEY": "env-key",
    "CLOUDSTACK_SECRET": "env-secret",
}


def test_a_region_page_size_becomes_max_page_size(place):
    place.write("~/.cloudstack.ini", INI.format(size=" 100 "))
    region = place.load("lab")
    assert region.options["max_page_size"] == 100
    client = CloudStack(region.endpoint, region.key, region.secret, **region.options)
    assert client.max_page_size == 100
    assert client.prepare("listVirtualMachines").params["pagesize"] == "100"


def test_the_environment_page_size(place):
    place.environ.update(ENV, CLOUDSTACK_PAGE_SIZE="250")
    assert place.load().options["max_page_size"] == 250


def test_without_page_size_the_client_default_stays(place):
    place.environ.update(ENV)
    assert "max_page_size" not in place.load().options


@pytest.mark.parametrize("size", ["0", "many", "2.5"])
def test_a_bad_page_size_names_the_file_and_key(place, size):
    place.write("~/.cloudstack.ini", INI.format(size=size))
    with pytest.raises(ConfigError, match=r"\[lab\].*page_size.*whole number of rows per page"):
        place.load("lab")
