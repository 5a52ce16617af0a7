"""Tokenizer for FHIRPath N1 (http://hl7.org/fhirpath/N1/#grammar)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kangtong.fhir.fhirpath.errors import FhirPathError


class TokenKind(Enum):
    IDENTIFIER = "identifier"
    DELIMITED_IDENTIFIER = "`identifier`"
    STRING = "string"
    NUMBER = "number"
    DATETIME = "date/time"
    SYMBOL = "symbol"
    CONSTANT = "%constant"
    SPECIAL = "$variable"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    position: int


_SYMBOLS = (
    "<=",
    ">=",
    "!=",
    "!~",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "|",
    "&",
    "+",
    "-",
    "*",
    "/",
    "=",
    "~",
    "<",
    ">",
)
_WHITESPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DATETIME = re.compile(
    r"@(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{4}(?:-\d{2}(?:-\d{2})?)?"
    r"(?:T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}:\d{2})?)?)"
)
_SPECIAL = re.compile(r"\$(?:this|index|total)\b")
_ESCAPES = {
    "'": "'",
    '"': '"',
    "`": "`",
    "\\": "\\",
    "/": "/",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def tokenize(expression: str) -> list[Token]:
    """Split ``expression`` into tokens, ending with an END token."""
    tokens: list[Token] = []
    position = 0
    while True:
        skipped = _WHITESPACE.match(expression, position)
        if skipped:
            position = skipped.end()
        if position >= len(expression):
            tokens.append(Token(TokenKind.END, "", position))
            return tokens
        token = _next_token(expression, position)
        tokens.append(token)
        position = _token_end(expression, token)


def _token_end(expression: str, token: Token) -> int:
    if token.kind in (TokenKind.STRING, TokenKind.DELIMITED_IDENTIFIER):
        return _quoted_end(expression, token.position)
    if token.kind is TokenKind.CONSTANT and expression[token.position + 1] in "'`":
        return _quoted_end(expression, token.position + 1)
    return token.position + len(token.text) + (1 if token.kind is TokenKind.CONSTANT else 0)


def _next_token(expression: str, position: int) -> Token:
    char = expression[position]
    if char == "'":
        return Token(TokenKind.STRING, _read_quoted(expression, position), position)
    if char == "`":
        return Token(TokenKind.DELIMITED_IDENTIFIER, _read_quoted(expression, position), position)
    if char == "%":
        return _read_constant(expression, position)
    for kind, pattern in (
        (TokenKind.IDENTIFIER, _IDENTIFIER),
        (TokenKind.NUMBER, _NUMBER),
        (TokenKind.DATETIME, _DATETIME),
        (TokenKind.SPECIAL, _SPECIAL),
    ):
        found = pattern.match(expression, position)
        if found:
            return Token(kind, found.group(), position)
    for symbol in _SYMBOLS:
        if expression.startswith(symbol, position):
            return Token(TokenKind.SYMBOL, symbol, position)
    raise FhirPathError(f"unexpected character {char!r}", expression=expression, position=position)


def _read_constant(expression: str, position: int) -> Token:
    following = expression[position + 1 : position + 2]
    if following in ("'", "`"):
        return Token(TokenKind.CONSTANT, _read_quoted(expression, position + 1), position)
    found = _IDENTIFIER.match(expression, position + 1)
    if not found:
        raise FhirPathError(
            "'%' must be followed by a name", expression=expression, position=position
        )
    return Token(TokenKind.CONSTANT, found.group(), position)


def _quoted_end(expression: str, start: int) -> int:
    quote = expression[start]
    position = start + 1
    while position < len(expression):
        if expression[position] == "\\":
            position += 2
            continue
        if expression[position] == quote:
            return position + 1
        position += 1
    raise FhirPathError("unterminated quoted text", expression=expression, position=start)


def _read_quoted(expression: str, start: int) -> str:
    """The unescaped content of the quoted text starting at ``start``."""
    body = expression[start + 1 : _quoted_end(expression, start) - 1]
    if "\\" not in body:
        return body
    return _unescape(body, expression, start)


def _unescape(body: str, expression: str, start: int) -> str:
    parts: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            parts.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        digits = body[index + 2 : index + 6]
        if code == "u" and len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
            parts.append(chr(int(digits, 16)))
            index += 6
        elif code in _ESCAPES:
            parts.append(_ESCAPES[code])
            index += 2
        else:
            raise FhirPathError(
                f"unknown escape \\{code}", expression=expression, position=start + 1 + index
            )
    return "".join(parts)
