"""The values a CloudStack parameter documents, read from its ``listApis`` description.

CloudStack's spec has no enum type: a parameter's choices live in its prose, written a dozen
ways by different authors over the years ("possible values are "featured", "self", …",
"Possible values are: Running, Stopped, …", "valid options are: Admin, ResourceAdmin",
"value can be one of [Enabled, Disabled]", "Valid values are TCP/UDP/ICMP", "(INFO, WARN,
ERROR)"). Completion offers exactly those after ``param=``, so this module turns the phrasings
found in CloudStack 4.18's 705 APIs into a tuple of words, and gives nothing when a sentence
is not a plain list (better no values than made-up ones).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["documented_values"]

#: Where a list of values starts: "possible values are", "valid options are:", "one of".
_TRIGGER = re.compile(
    r"(?i)\b(?:(?:possible|valid|supported|allowed|accepted)\s+(?:values?|options)"
    r"(?:\s+(?:are|is|include|can\s+be|currently))*(?:\s+one\s+of)?"
    r"|values\s+are|value\s+can\s+be\s+one\s+of|one\s+of|either)\b\s*[:,\-]?\s*"
)
#: The end of the sentence holding the list ("ikev2.Connections" ends one too).
_SENTENCE_END = re.compile(r"\.(?=\s|$|[A-Z*])|\*|;|\]")
_PARENTHESES = re.compile(r"\([^)]*\)")
_SEPARATOR = re.compile(r"\s*(?:,|/|\band\b|\bor\b)\s*")
_QUOTED = re.compile(r"""["']([\w.-]+)["']""")
_WORD = re.compile(r"[\w-]+")
#: "* featured : templates that…" — the bullets of a described list.
_BULLET = re.compile(r"\*\s*(\w+)\s*:")
#: "the event level (INFO, WARN, ERROR)"
_CAPS_IN_PARENTHESES = re.compile(r"\(([A-Z]+(?:\s*,\s*[A-Z]+)+)\)")


@lru_cache(maxsize=4096)
def documented_values(description: str) -> tuple[str, ...]:
    """The values ``description`` lists, in its order, each once; ``()`` when it lists none."""
    found: list[str] = []
    for trigger in _TRIGGER.finditer(description):
        found += _listed_after(description[trigger.end():])
    if found:
        found += _BULLET.findall(description)
    for caps in _CAPS_IN_PARENTHESES.finditer(description):
        found += _SEPARATOR.split(caps[1])
    return tuple(dict.fromkeys(value for value in found if value))


def _listed_after(text: str) -> list[str]:
    """The plain list at the start of ``text``; stops at the first item that is not one word."""
    text = text.lstrip("[ ")
    end = _SENTENCE_END.search(text)
    sentence = _PARENTHESES.sub("", text[: end.start()] if end else text)
    if '"' in sentence or "'" in sentence:
        quoted = _QUOTED.findall(sentence)
        return quoted if len(quoted) >= 2 else []
    values: list[str] = []
    for item in _SEPARATOR.split(sentence.strip()):
        if not item:
            continue
        if _WORD.fullmatch(item) is None:
            break
        values.append(item)
    return values if len(values) >= 2 else []
