"""Small word-level helpers of the ``%cloudstack`` entry points (no shell, no network).

Which option words take a value, the ``%%cloudstack VAR`` line, ``sync``'s region, the warning
for ``-o NAME`` hiding a module or builtin, and the plain-text view subcommands answer with.
"""

from __future__ import annotations

import builtins
import sys
import types
from collections.abc import Mapping
from typing import Any

from IPython.core.error import UsageError

from ._parse import Word

__all__ = ["InterruptedCall", "Text", "cell_output", "shadow_warning", "sync_region", "takes_value_of"]


def shadow_warning(output: str, namespace: Mapping[str, Any]) -> str | None:
    """The warning for ``-o json`` (CloudMonkey's output format, typed by habit): storing there
    would hide a module or a builtin. None when the name hides nothing of the kind."""
    if isinstance(namespace.get(output), types.ModuleType) or output in sys.stdlib_module_names:
        what = "module"
    elif hasattr(builtins, output):
        what = "builtin"
    else:
        return None
    return (f"warning: -o {output} stores the result in the variable {output!r}, hiding the {what} "
            f"{output}; -o takes a variable name, e.g. -o {output}_result")


def sync_region(words: list[str], given: str | None) -> str | None:
    """The region of ``%cloudstack [-r R] sync [-r R]`` (one only; None: the default)."""
    region = given
    if words[:1] in (["-r"], ["--region"]) and len(words) == 2:
        region = words[1]
    elif words:
        raise UsageError("usage: %cloudstack sync [-r REGION]")
    if region is not None and "," in region:
        raise UsageError("sync: one region at a time (-r NAME)")
    return region or None


class Text(str):
    """Plain text shown as is (help, confirmations)."""

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def takes_value_of(parser: Any) -> Any:
    """Which option strings (or unambiguous prefixes of long ones) consume the next word."""
    valued = {s for action in parser._actions if action.nargs != 0 for s in action.option_strings}

    def takes_value(option: str) -> bool:
        if option in valued:
            return True
        longs = [s for s in valued if s.startswith("--") and s.startswith(option)] if option.startswith("--") else []
        return len(longs) == 1

    return takes_value


def cell_output(rest: list[Word], output: str | None) -> str | None:
    if not rest:
        return output
    if len(rest) > 1 or "=" in rest[0].text:
        raise UsageError(
            "the %%cloudstack line takes options and one VAR; put the command in the cell body"
        )
    if output is not None:
        raise UsageError(f"give the variable once: either -o {output} or {rest[0].text}")
    return rest[0].text


class InterruptedCall(UsageError):
    """*Interrupt kernel* stopped a call: a UsageError shown as its one line, with no frames.

    Not plain ``UsageError``: IPython prints that to stderr without an error output, and an
    interrupted cell must still end as an error in the notebook (ipykernel publishes what
    ``_render_traceback_`` returns instead of a traceback).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"UsageError: {self}"]
