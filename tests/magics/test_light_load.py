"""``%load_ext cloudstack_magic`` is light: the client (and aiohttp) load on first use.

Read from ``sys.modules`` in a fresh interpreter, so nothing an earlier test imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules a bare ``%load_ext`` must not import (they load with the first call).
HEAVY = ("aiohttp", "cloudstack_magic.client._client", "cloudstack_magic.client._transport")

PROBE = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell()
shell.run_cell("%load_ext cloudstack_magic")
assert "cloudstack" in shell.magics_manager.magics["line"]
loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
shell.run_cell("import cloudstack_magic; cloudstack_magic.CloudStack")  # the client loads on use
print(json.dumps({"at_load": loaded, "after_use": "aiohttp" in sys.modules}))
"""


@pytest.mark.timeout(120)
def test_load_ext_imports_neither_the_client_nor_aiohttp(tmp_path: object) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], capture_output=True, text=True,
                         timeout=110, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"at_load": [], "after_use": True}
