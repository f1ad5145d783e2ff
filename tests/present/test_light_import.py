"""The presentation modules import nothing heavy: pandas and IPython load on first use."""

from __future__ import annotations

import json
import subprocess
import sys


def test_presentation_modules_do_not_import_pandas_or_ipython():
    probe = (
        "import json, sys\n"
        "import cloudstack_magic.present._frames, cloudstack_magic.present._views, cloudstack_magic.present._help, "
        "cloudstack_magic.present._formatters, cloudstack_magic.present._table, cloudstack_magic.present._columns, "
        "cloudstack_magic.magics._completion\n"
        "print(json.dumps([m for m in ('pandas', 'numpy', 'IPython', 'ipywidgets') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == []
