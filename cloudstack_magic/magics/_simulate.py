"""``%cloudstack simulate start|stop``: a CloudStack simulator inside the kernel process.

A teacher or a newcomer gets a cloud to try the magics on without a terminal: the simulator runs
in its own thread with its own event loop (:class:`~cloudstack_magic.simulator.SimulatorThread`),
so it keeps answering while a cell awaits it on the kernel's loop, and it becomes the session's
``simulator`` region. ``stop`` (and ``%unload_ext``) ends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._parse import ParseError

if TYPE_CHECKING:
    from ..config._regions import Region
    from ..simulator.server import SimulatorThread

__all__ = ["REGION_NAME", "LocalSimulator", "simulate_settings"]

#: The region a started simulator is known by.
REGION_NAME = "simulator"
USAGE = "usage: %cloudstack simulate start [--vms N --seed S --latency-ms L --job-seconds J …] | stop"


def simulate_settings(words: list[str]) -> dict[str, float | int]:
    """``--vms 50 --latency-ms 20`` as simulator settings; any ``--name VALUE`` is passed on (the
    simulator itself refuses unknown names, listing the ones it has)."""
    settings: dict[str, float | int] = {}
    index = 0
    while index < len(words):
        word = words[index]
        name, equals, value = word.partition("=")
        if not name.startswith("--") or len(name) < 3:
            raise ParseError(f"simulate: unexpected {word!r} ({USAGE})")
        if not equals:
            if index + 1 >= len(words):
                raise ParseError(f"simulate: {name} needs a value ({USAGE})")
            index += 1
            value = words[index]
        try:
            number: float | int = int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                raise ParseError(f"simulate: {name} takes a number; got {value!r}") from None
        settings[name[2:].replace("-", "_")] = number
        index += 1
    return settings


class LocalSimulator:
    """At most one simulator thread per magic, and the region that points at it."""

    def __init__(self) -> None:
        self.thread: SimulatorThread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(self, settings: dict[str, float | int]) -> Region:
        """Start the simulator (refused if one runs) and return its region."""
        from ..config._regions import Region
        from ..simulator.server import SimulatorThread

        if self.thread is not None:
            raise ParseError(f"simulate: a simulator already runs at {self.thread.endpoint}; "
                             "%cloudstack simulate stop ends it")
        try:
            thread = SimulatorThread(**settings)
        except (TypeError, ValueError) as exc:
            raise ParseError(f"simulate: {' '.join(str(exc).split())}") from None
        self.thread = thread.start()
        return Region(REGION_NAME, thread.endpoint, thread.api_key, thread.secret_key, source="simulate")

    def stop(self) -> bool:
        """Stop the simulator; False when none was running."""
        thread, self.thread = self.thread, None
        if thread is None:
            return False
        thread.stop()
        return True
