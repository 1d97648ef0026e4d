"""Whether a regular expression of the spec will work in Prometheus, which uses RE2.

Python compiles the pattern (its error is the user's answer); then the constructs Python
accepts and RE2 refuses are looked for, so that Prometheus does not refuse the rule file
the pattern ends up in.
"""

from __future__ import annotations

import re

_UNSUPPORTED_GROUPS = (("(?<=", "lookbehind (?<=...)"), ("(?<!", "lookbehind (?<!...)"),
                       ("(?=", "lookahead (?=...)"), ("(?!", "lookahead (?!...)"),
                       ("(?P=", "backreference (?P=name)"), ("(?>", "atomic group (?>...)"),
                       ("(?(", "conditional (?(...)...)"))


def re2_problem(pattern: str) -> str | None:
    """Why `pattern` is not a regular expression Prometheus accepts, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    construct = _unsupported(pattern)
    return f"{construct} is not supported by Prometheus's regular expressions (RE2)" if construct else None


def _unsupported(pattern: str) -> str | None:
    """The first construct RE2 lacks, scanning past escapes and character classes."""
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if not in_class and pattern[i + 1:i + 2].isdigit() and pattern[i + 1] != "0":
                return f"backreference {pattern[i:i + 2]}"
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1 + pattern.startswith("^", i + 1)
            i += pattern.startswith("]", i)  # a leading ] is a literal
            continue
        elif char == "(":
            found = next((what for prefix, what in _UNSUPPORTED_GROUPS if pattern.startswith(prefix, i)), None)
            if found:
                return found
        elif char in "*+?}" and pattern.startswith("+", i + 1):
            return f"possessive quantifier {char}+"
        i += 1
    return None
