"""``%load_ext cloudstack_magic`` is light: the session, the client, the configuration, asyncio and
the views load on first use, and what loading registered still works through them.

Read from ``sys.modules`` in a fresh interpreter, so nothing an earlier test imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules a bare ``%load_ext`` must not import (they load with the first call, display or Tab).
HEAVY = (
    "aiohttp",
    "pandas",
    "asyncio",
    "cloudstack_magic.client._client",
    "cloudstack_magic.client._transport",
    "cloudstack_magic.client._options",
    "cloudstack_magic.config._regions",
    "cloudstack_magic.magics._session",
    "cloudstack_magic.magics._runner",
    "cloudstack_magic.magics._results",
    "cloudstack_magic.magics._parse",
    "cloudstack_magic.magics._completion",
    "cloudstack_magic.present._views",
    "cloudstack_magic.spec._spec",
)

PROBE = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
heavy = json.loads(sys.argv[1])
shell = InteractiveShell()
bare = [name for name in heavy if name in sys.modules]
shell.run_cell("%load_ext cloudstack_magic")
assert "cloudstack" in shell.magics_manager.magics["line"]
at_load = [name for name in heavy if name in sys.modules]
shell.run_cell("%unload_ext cloudstack_magic")  # unload of an unused extension loads nothing either
at_unload = [name for name in heavy if name in sys.modules]
gone = "cloudstack" not in shell.magics_manager.magics["line"]
shell.run_cell("%load_ext cloudstack_magic")
_, matches = shell.complete("listZ", "%cloudstack listZ", 17)  # the first Tab makes the real matcher
shell.run_cell("import cloudstack_magic; cloudstack_magic.CloudStack")  # the client loads on use
print(json.dumps({"bare": bare, "at_load": at_load, "at_unload": at_unload, "gone": gone,
                  "completed": "listZones" in matches, "after_use": "aiohttp" in sys.modules}))
"""


@pytest.mark.timeout(120)
def test_load_ext_imports_none_of_the_heavy_modules_and_they_work_on_first_use(tmp_path: object) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], capture_output=True, text=True,
                         timeout=110, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"bare": [], "at_load": [], "at_unload": [], "gone": True, "completed": True,
                     "after_use": True}
