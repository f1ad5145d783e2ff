"""One benchmark figure and the table that prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """A measurement against a baseline measured in the same run.

    ``ratio`` is ``baseline / value`` when ``higher_is_better`` is False (a speed-up: 6.0 means
    six times faster), else ``value / baseline``. ``target`` is the ratio or bound the project
    promises; ``ok`` says whether this run met it.
    """

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    ratio: float
    target: str
    ok: bool


def format_table(figures: list[Figure]) -> str:
    header = ("figure", "value", "baseline", "ratio", "target", "met")
    rows = [
        (
            f.name,
            f"{f.value:,.3f} {f.unit}",
            f"{f.baseline_name}: {f.baseline:,.3f} {f.unit}",
            f"{f.ratio:.2f}",
            f.target,
            "yes" if f.ok else "NO",
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
