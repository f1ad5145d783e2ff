"""The words the magics say when something went wrong, written in one place.

An exception of the package carries its own one-line message (built where it was raised) plus
context fields that layers above fill in — ``region`` (which cloud answered) and ``hint`` (what to
do). :func:`render` is the ONE function that turns such an exception into the line a user reads;
nothing here rewrites an exception's ``args``. The cancel and multi-command failure messages
live here too, so every message of the magics reads the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .._errors import APIError, CloudStackClientException, UnknownCommandError, redact
from .._suggest import close_matches, did_you_mean

if TYPE_CHECKING:
    from IPython.core.error import UsageError

    from ..spec._spec import Spec

__all__ = [
    "PendingJob", "add_context", "best_suggestions", "cancel_message", "check_lines", "failure_report", "render",
    "unknown_command", "usage_error",
]

#: ``(command, jobid, region)`` of a job left running server-side.
PendingJob = tuple[str, str, str | None]
#: How much better (difflib ratio) the best suggestion must be to be named alone.
CLEARLY_BEST_MARGIN = 0.05


def usage_error(message: str) -> UsageError:
    """IPython's exact ``UsageError`` (its subclasses lose the one-line display)."""
    from IPython.core.error import UsageError

    return UsageError(message)


def add_context(exc: CloudStackClientException, *, region: str | None = None, hint: str | None = None) -> None:
    """Record where ``exc`` happened and what to do, in the fields :func:`render` shows.

    Fields, never the message: the exception stays what its raiser made it. A hint the message
    already carries is not repeated.
    """
    if region is not None:
        exc.region = region
    if hint and hint not in str(exc):
        exc.hint = hint


def render(exc: BaseException) -> str:
    """The one line for ``exc``: ``region R: message (hint)``, whitespace folded, secrets masked."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, CloudStackClientException):
        if exc.hint and exc.hint not in text:
            text = f"{text} ({' '.join(exc.hint.split())})"
        if exc.region and not text.startswith(f"region {exc.region}:"):
            text = f"region {exc.region}: {text}"
    return str(redact(text))


def best_suggestions(word: str, names: Iterable[str]) -> list[str]:
    """The one clearly best close name, or up to three close ones when none stands out."""
    close = close_matches(word, names, n=3)
    if len(close) < 2:
        return close
    lowered = word.lower()
    first, second = (difflib.SequenceMatcher(None, lowered, name.lower()).ratio() for name in close[:2])
    if close[0].lower() == lowered or first - second >= CLEARLY_BEST_MARGIN:
        return close[:1]
    return close


def unknown_command(command: str, spec: Spec, cause: APIError | None = None) -> UnknownCommandError:
    """The error for a command ``spec`` lacks; ``cause`` is the server's refusal of it, if sent.

    An unknown command is answered 401 by CloudStack (as a signature failure), so a refusal says
    nothing about the credentials and the message does not mention them.
    """
    close = best_suggestions(command, spec)
    refused = f" (the server refused it: {cause.status})" if cause is not None and cause.status else ""
    hint = did_you_mean(close) or "%cloudstack apis WORD searches the commands"
    return UnknownCommandError(
        f"{command}: no such API in CloudStack {spec.version}{refused} — {hint}",
        suggestions=close, command=command, status=cause.status if cause is not None else None,
    )


def _region_flag(region: str | None) -> str:
    return f" -r {region}" if region else ""


def cancel_message(pending: Sequence[tuple[str, str] | PendingJob], *, listed: bool = False) -> str:
    """What stopping left behind; ``listed``: the progress view already shows the jobs' lines.

    Each ready-to-run check line names the job's region (``-r``), so on a multi-region setup it
    asks the cloud the job runs in.
    """
    if not pending:
        return "cancelled; no job was left running"
    jobs: list[PendingJob] = [(job[0], job[1], job[2] if len(job) > 2 else None) for job in pending]
    if listed:
        names = ", ".join(f"{command} {jobid}" for command, jobid, _ in jobs)
        return f"cancelled; still running on the server: {names} (check with the lines above)"
    lines = ["cancelled; still running on the server (check later):"]
    lines += [
        f"  %cloudstack{_region_flag(region)} queryAsyncJobResult jobid={jobid}    # {command}"
        for command, jobid, region in jobs
    ]
    return "\n".join(lines) if len(jobs) > 1 else lines[0] + " " + lines[1].strip()


def check_lines(pending: Sequence[PendingJob]) -> str:
    """One ready-to-run line per job still running: ``%cloudstack -r R queryAsyncJobResult …``."""
    return "\n".join(
        f"%cloudstack{_region_flag(region)} queryAsyncJobResult jobid={jobid}    # {command}"
        for command, jobid, region in pending
    )


def failure_report(outcomes: list[tuple[str, str, str]]) -> str:
    """The one message of a multi-command cell where something failed: a line per command.

    ``outcomes`` are ``(command, status, detail)`` with status ``succeeded``, ``failed`` or
    ``not run``; a succeeded line keeps its job id and created resource so nothing the server did
    is hidden (the output variable is left untouched, so this message is all the user gets).
    """
    failed = sum(1 for _, status, _ in outcomes if status == "failed")
    skipped = sum(1 for _, status, _ in outcomes if status == "not run")
    head = f"{failed} of {len(outcomes)} commands failed"
    if skipped:
        head += f", {skipped} not run"
    lines = [head + ":"]
    for number, (command, status, detail) in enumerate(outcomes, 1):
        lines.append(f"  [{number}] {command} {status}" + (f": {detail}" if detail else ""))
    return "\n".join(lines)


def one_line(exc: BaseException) -> str:
    """:func:`render` for the package's errors, the plain text for anything else."""
    if isinstance(exc, CloudStackClientException):
        return render(exc)
    return " ".join(str(exc).split()) or type(exc).__name__
