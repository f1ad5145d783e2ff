"""``python -m cloudstack_magic.simulator``: see :mod:`cloudstack_magic.simulator.cli`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
