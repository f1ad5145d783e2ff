"""The ``cloudstack-magic`` console script: one subcommand per tool.

``cloudstack-magic simulate [options]`` serves the simulator (``python -m
cloudstack_magic.simulator`` is the same command). The simulator's own command line knows its
flags and serve loop; what needs the rest of the package — writing ``--write-config`` regions
with the config writer — is wired in here, through the simulator's ``on_ready`` callback, so the
simulator never imports the package's config or errors. New subcommands add a parser in
:func:`build_parser` and a branch in :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .simulator.server import Simulator

__all__ = ["build_parser", "main", "simulate_main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudstack-magic", description="Tools of cloudstack-magic.")
    subcommands = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    simulate = subcommands.add_parser("simulate", help="serve a simulated CloudStack API on this machine",
                                      description="Serve a simulated Apache CloudStack API.")
    from .simulator.cli import add_arguments

    add_arguments(simulate)
    simulate.set_defaults(subparser=simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.subcommand == "simulate":
        from .simulator.cli import run

        return run(args, args.subparser, _write_config)
    parser.print_help()
    return 2


def simulate_main(argv: list[str] | None = None, prog: str = "cloudstack-magic simulate") -> int:
    """The ``simulate`` subcommand on its own (``python -m cloudstack_magic.simulator``)."""
    from .simulator.cli import add_arguments, run

    parser = argparse.ArgumentParser(prog=prog, description="Serve a simulated Apache CloudStack API.")
    add_arguments(parser)
    return run(parser.parse_args(argv), parser, _write_config)


def _write_config(simulator: Simulator, args: argparse.Namespace) -> list[str]:
    """``--write-config PATH``: one region per key pair the simulator accepts (mode 0600)."""
    if not args.write_config:
        return []
    from ._errors import ConfigError
    from .config._write import write_region_file
    from .simulator.cli import SetupError

    lines = []
    for region, key, secret in simulator.regions(args.region):
        try:
            path = write_region_file(args.write_config, region, simulator.endpoint, key, secret)
        except ConfigError as error:
            raise SetupError(str(error)) from None
        lines.append(f"config:   region [{region}] written to {path} (mode 0600)")
    return lines


if __name__ == "__main__":
    sys.exit(main())
