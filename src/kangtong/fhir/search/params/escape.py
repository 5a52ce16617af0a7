"""FHIR search-value escaping: `\\,` `\\|` `\\$` and `\\\\` stand for themselves."""

from __future__ import annotations


def split_unescaped(value: str, separator: str) -> list[str]:
    """Split on `separator` where it is not preceded by a backslash, then unescape the parts."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in ",|$\\":
                current.append("\\")
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def split_raw(value: str, separator: str) -> list[str]:
    """Split on unescaped `separator`, keeping escapes for a later, inner split."""
    parts: list[str] = []
    start = 0
    i = 0
    while i < len(value):
        if value[i] == "\\":
            i += 2
            continue
        if value[i] == separator:
            parts.append(value[start:i])
            start = i + 1
        i += 1
    parts.append(value[start:])
    return parts
