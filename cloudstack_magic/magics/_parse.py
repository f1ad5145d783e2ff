"""Pure parsing of ``%cloudstack`` lines and ``%%cloudstack`` cells into calls.

Nothing here touches the network, an event loop or the shell: the magics hand in the text and a
namespace (the notebook's variables) and get back :class:`Call` values, or a :class:`ParseError`
whose one-line message says what was wrong and how to write it instead.

The steps, in order, and why in that order:

1. ``strip_comments`` — ``#`` starts a comment at the start of a line or after whitespace,
   outside quotes (as in a shell), so ``url=http://h/#x`` keeps its ``#``. Comments go first so
   a ``{brace}`` in a comment is never evaluated.
2. ``expand`` — IPython's ``$name`` / ``{expression}`` interpolation (its ``DollarFormatter``:
   ``$$`` and ``{{ }}`` escape, ``$name`` is left alone inside single quotes). Unlike IPython's
   ``var_expand``, a failing expression is an error, not silently left as text: sending the
   literal ``{zone}`` to a cloud is never what was meant.
3. ``tokenize`` — shell-like words: ``'single'`` and ``"double"`` quotes (backslash escapes
   inside double quotes and outside quotes), newlines are whitespace. ``key = value`` with
   spaces around ``=`` is joined into one ``key=value`` word.
4. ``parse_calls`` — a word without ``=`` names a command; the ``key=value`` words after it are
   its parameters (on the same or later lines). Values are strings, except unquoted
   ``key=:name`` (the Python object ``name`` from the namespace: a dict becomes a map
   parameter, a list a comma list, a bool ``true``/``false``) and unquoted ``key=@path`` (the
   file's text; for ``userdata`` its bytes base64-encoded, as CloudStack requires). Quote the
   value (``key=":x"``) to send those characters literally.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Call",
    "ParseError",
    "Word",
    "expand",
    "parse_calls",
    "read_parameter_file",
    "split_options",
    "strip_comments",
    "tokenize",
]

#: Parameters whose ``@file`` content is sent base64-encoded (CloudStack decodes them).
BASE64_FILE_PARAMS = frozenset({"userdata"})
#: The most ``key=@file`` reads: 1 MiB (CloudStack's userdata limit is 32 KiB by default, ~1 MiB at most).
MAX_FILE_BYTES = 1024 * 1024
_COMMAND = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]-]*\Z")
_OBJECT_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\Z")


class ParseError(ValueError):
    """The magic's text could not be understood; the message is one line with the fix."""


@dataclass(frozen=True)
class Word:
    """One shell-like word: its text without quotes, and which characters were quoted."""

    text: str
    quoted: tuple[bool, ...]

    @property
    def bare(self) -> bool:
        """True when no character came from quotes (so ``=``, ``:``, ``@``, ``-`` are syntax)."""
        return not any(self.quoted)

    def unquoted_index(self, char: str) -> int:
        """Index of the first unquoted ``char``, or -1."""
        for index, (ch, quoted) in enumerate(zip(self.text, self.quoted, strict=True)):
            if ch == char and not quoted:
                return index
        return -1


@dataclass(frozen=True)
class Call:
    """One CloudStack command with its parameters, as written in the magic."""

    command: str
    params: dict[str, Any] = field(default_factory=dict)
    #: Parameter names read from ``@file`` (so error messages can say which file).
    files: dict[str, str] = field(default_factory=dict)


def strip_comments(text: str) -> str:
    """``text`` without ``#`` comments (at line start or after whitespace, outside quotes)."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        ch = text[index]
        if quote:
            out.append(ch)
            if ch == "\\" and quote == '"' and index + 1 < len(text):
                out.append(text[index + 1])
                index += 1
            elif ch == quote:
                quote = ""
        elif ch == "\\" and index + 1 < len(text):
            out.append(text[index : index + 2])
            index += 1
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "#" and (index == 0 or text[index - 1].isspace()):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        else:
            out.append(ch)
        index += 1
    return "".join(out)


def expand(text: str, namespace: Mapping[str, Any]) -> str:
    """Interpolate ``$name`` and ``{expression}`` from ``namespace`` as IPython does.

    Raises :class:`ParseError` when an expression fails instead of keeping it as text.
    """
    if "$" not in text and "{" not in text and "}" not in text:
        return text
    from IPython.utils.text import DollarFormatter

    formatter = DollarFormatter()
    try:  # line by line: IPython's $name pattern does not cross newlines and drops text before them
        return "".join(
            formatter.vformat(line, args=[], kwargs=namespace)
            for line in text.splitlines(keepends=True)
        )
    except Exception as exc:  # NameError, SyntaxError, ValueError from unbalanced braces …
        reason = str(exc).splitlines()[0] if str(exc) else ""
        raise ParseError(
            f"could not interpolate $name/{{expression}}: {type(exc).__name__}"
            f"{': ' + reason if reason else ''} (write $$ for a literal $, {{{{ and }}}} for "
            "literal braces)"
        ) from None


def tokenize(text: str) -> list[Word]:
    """Split ``text`` into shell-like :class:`Word` values; ``key = value`` becomes one word."""
    words: list[Word] = []
    chars: list[str] = []
    quoted: list[bool] = []
    in_word = False
    quote = ""
    index = 0
    while index < len(text):
        ch = text[index]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and index + 1 < len(text) and text[index + 1] in '"\\$`':
                index += 1
                chars.append(text[index])
                quoted.append(True)
            else:
                chars.append(ch)
                quoted.append(True)
        elif ch.isspace():
            if in_word:
                words.append(Word("".join(chars), tuple(quoted)))
                chars, quoted, in_word = [], [], False
        elif ch in "'\"":
            quote, in_word = ch, True
        elif ch == "\\":
            if index + 1 < len(text):
                index += 1
                chars.append(text[index])
                quoted.append(True)
                in_word = True
        else:
            chars.append(ch)
            quoted.append(False)
            in_word = True
        index += 1
    if quote:
        raise ParseError(
            f"unterminated {quote} quote: close it, or escape it as \\{quote} to send it literally"
        )
    if in_word:
        words.append(Word("".join(chars), tuple(quoted)))
    return _join_spaced_assignments(words)


def _join_spaced_assignments(words: list[Word]) -> list[Word]:
    """Join ``key`` ``=`` ``value`` / ``key=`` ``value`` / ``key`` ``=value`` into ``key=value``."""
    joined: list[Word] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if (
            following is not None
            and word.bare
            and _KEY.match(word.text)
            and following.text.startswith("=")
            and not following.quoted[0]
        ):
            word = Word(word.text + following.text, word.quoted + following.quoted)
            index += 1
            following = words[index + 1] if index + 1 < len(words) else None
        if (
            following is not None
            and word.text.endswith("=")
            and word.unquoted_index("=") == len(word.text) - 1
            and (not following.bare or following.unquoted_index("=") < 0)
        ):
            word = Word(word.text + following.text, word.quoted + following.quoted)
            index += 1
        joined.append(word)
        index += 1
    return joined


def split_options(words: Sequence[Word], takes_value: Callable[[str], bool]) -> tuple[list[str], list[Word]]:
    """Leading option words (``-o x``, ``--limit=5``, ``--raw``) and the words after them.

    ``takes_value(option)`` says whether an option consumes the next word. Options must come
    before the command, like CloudMonkey's; ``--`` ends them explicitly.
    """
    options: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if not (word.bare and word.text.startswith("-")):
            break
        if word.text == "--":
            index += 1
            break
        options.append(word.text)
        if "=" not in word.text and takes_value(word.text) and index + 1 < len(words):
            index += 1
            options.append(words[index].text)
        index += 1
    return options, list(words[index:])


def parse_calls(
    words: Sequence[Word],
    namespace: Mapping[str, Any],
    *,
    read_file: Callable[[str, str], Any] | None = None,
    single: bool = False,
) -> list[Call]:
    """Group words into calls: a command name, then its ``key=value`` parameters.

    ``single`` (a line magic): a second bare word is a mistake, not a second command.
    """
    reader = read_file or read_parameter_file
    calls: list[Call] = []
    command: str | None = None
    params: dict[str, Any] = {}
    files: dict[str, str] = {}
    for word in words:
        equals = word.unquoted_index("=")
        if equals < 0:
            if word.bare and word.text.startswith("-"):
                raise ParseError(
                    f"option {word.text} must come before the command "
                    "(e.g. %cloudstack -o vms listVirtualMachines)"
                )
            if not (word.bare and _COMMAND.match(word.text)) or (single and command is not None):
                where = f" after {command}" if command else ""
                raise ParseError(
                    f"unexpected word {word.text!r}{where}: parameters are key=value, and a "
                    "value with spaces needs quotes (name=\"my vm\")"
                )
            if command is not None:
                calls.append(Call(command, params, files))
            command, params, files = word.text, {}, {}
            continue
        key, raw_value = word.text[:equals], word.text[equals + 1 :]
        value_quoted = word.quoted[equals + 1 :]
        if command is None:
            raise ParseError(f"parameter {key}= comes before any command: start with the command name")
        if not _KEY.match(key):
            raise ParseError(f"{key!r} is not a parameter name (letters, digits, _ . [ ] only)")
        if key in params:
            raise ParseError(f"parameter {key} is given twice in {command}: keep one")
        literal = bool(value_quoted) and value_quoted[0]
        if raw_value.startswith(":") and not literal and len(raw_value) > 1:
            params[key] = _lookup(raw_value[1:], namespace, key)
        elif raw_value.startswith("@") and not literal and len(raw_value) > 1:
            params[key] = reader(key, raw_value[1:])
            files[key] = raw_value[1:]
        else:
            params[key] = raw_value
    if command is not None:
        calls.append(Call(command, params, files))
    return calls


def _lookup(path: str, namespace: Mapping[str, Any], key: str) -> Any:
    """``name`` or ``name.attr.attr`` from the namespace (no evaluation: use {…} for that)."""
    if not _OBJECT_PATH.match(path):
        raise ParseError(
            f"{key}=:{path} is not a variable name; use {key}=:name (or quote it: {key}=\":{path}\")"
        )
    head, *attrs = path.split(".")
    if head not in namespace:
        raise ParseError(f"{key}=:{head}: no variable {head!r} in the notebook; define it first")
    value = namespace[head]
    for attr in attrs:
        try:
            value = getattr(value, attr)
        except AttributeError:
            raise ParseError(f"{key}=:{path}: {type(value).__name__} has no attribute {attr!r}") from None
    return value


def read_parameter_file(key: str, path: str) -> str:
    """The value for ``key=@path``: the file's text, or base64 of its bytes for user data.

    Only a regular file of at most :data:`MAX_FILE_BYTES` is read (never more than that many
    bytes, so ``@/dev/zero`` or a huge log cannot exhaust memory); a text parameter refuses a
    binary file (a NUL byte, or not UTF-8) instead of sending garbage.
    """
    import os
    import stat

    file = Path(path).expanduser()
    where = f"{key}=@{path}"
    try:
        mode = os.stat(file).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a device or pipe, not a regular file"
            raise ParseError(f"{where}: {kind}; give the path of a file")
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParseError(
            f"{where}: cannot read the file ({exc.strerror or type(exc).__name__}); "
            "paths are relative to the notebook's working directory"
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"{where}: the file is over {MAX_FILE_BYTES // 1024 // 1024} MiB, the most @file "
                         "reads (CloudStack's own limits, e.g. for userdata, are far below)")
    if key.lower() in BASE64_FILE_PARAMS:
        return base64.b64encode(data).decode("ascii")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if b"\0" in data or (data and not text):
        raise ParseError(f"{where}: the file is binary, not UTF-8 text; {key} takes text "
                         "(only userdata= sends a file's bytes, base64-encoded)")
    return text
