"""Installing the display formatters does not import pandas; the first DataFrame shown uses them."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config
from cloudstack_magic.present._formatters import install_formatters

config = Config()
config.HistoryAccessor.enabled = False
shell = InteractiveShell.instance(config=config)
uninstall = install_formatters(shell, lambda: 2, lambda: "default")
loaded_before = "pandas" in sys.modules
from cloudstack_magic.present._frames import to_frame
frame = to_frame([{"id": str(i), "name": f"n{i}"} for i in range(5)], attrs={"command": "listX"})
ours = shell.display_formatter.format(frame)[0]
import pandas as pd
foreign = shell.display_formatter.format(pd.DataFrame({"a": range(3)}))[0]
uninstall()
after = shell.display_formatter.format(frame)[0]
print(json.dumps({"loaded_before": loaded_before, "ours": ours["text/plain"],
                  "ours_html": ours["text/html"], "foreign": foreign["text/plain"],
                  "after": after["text/plain"]}))
"""


def test_formatters_register_by_name_and_bind_on_first_display() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True, timeout=60)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["loaded_before"] is False
    assert seen["ours"].splitlines()[-1] == "showing 2 of 5 rows — whole frame in `_`"
    assert "<code>_</code>" in seen["ours_html"]
    assert "showing" not in seen["foreign"] and "a" in seen["foreign"]
    assert "showing" not in seen["after"]  # uninstall removed the printer IPython had bound
