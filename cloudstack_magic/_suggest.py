"""The one "did you mean" suggester: close spellings of a word among the names it could have been.

Commands, parameters, client options, config keys, regions and magic options are all suggested
through here, so every hint is found the same way and reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["close_matches", "did_you_mean"]


def close_matches(word: str, choices: Iterable[str], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` of ``choices`` closest to ``word``, best first, compared case-insensitively
    (CloudStack treats names so). A choice equal to ``word`` but for case always comes first."""
    import difflib

    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    lowered = word.lower()
    close = difflib.get_close_matches(lowered, list(by_lower), n=n, cutoff=cutoff)
    names = [by_lower[c] for c in close]
    if lowered in by_lower:
        names = [by_lower[lowered]] + [c for c in names if c != by_lower[lowered]]
    return names[:n]


def did_you_mean(names: Iterable[str], *, quote: bool = False) -> str:
    """``"did you mean state?"`` / ``"did you mean a, b or c?"``, or ``""`` for no names."""
    shown = [repr(name) if quote else name for name in names]
    if not shown:
        return ""
    if len(shown) == 1:
        return f"did you mean {shown[0]}?"
    return f"did you mean {', '.join(shown[:-1])} or {shown[-1]}?"
