"""The ``cloudstack-magic`` console script: one subcommand per tool.

``cloudstack-magic simulate [options]`` serves the simulator (same options as
``python -m cloudstack_magic.simulator``). New subcommands add a parser in :func:`build_parser`
and a branch in :func:`main`.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["build_parser", "main"]


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

        return run(args, args.subparser)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
