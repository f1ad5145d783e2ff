"""``python -m cloudstack_magic.simulator``: the package's ``cloudstack-magic simulate``.

It delegates to the package command line, which adds what needs the package (``--write-config``);
the flags and behaviour are those of :mod:`cloudstack_magic.simulator.cli`.
"""

from __future__ import annotations

import sys

from ..__main__ import simulate_main

if __name__ == "__main__":
    sys.exit(simulate_main(sys.argv[1:], prog="python -m cloudstack_magic.simulator"))
