"""A Pratt parser for FHIRPath N1: tokens in, :mod:`syntax` tree out.

Operator precedence follows the grammar's order (http://hl7.org/fhirpath/N1/#operator-precedence),
from ``implies`` (loosest) to ``.``/``[]`` (tightest); all binary operators associate left.
"""

from __future__ import annotations

from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.lexer import Token, TokenKind, tokenize
from kangtong.fhir.fhirpath.syntax import (
    BinaryOperation,
    EmptyLiteral,
    ExternalConstant,
    FunctionCall,
    Identifier,
    Indexer,
    Literal,
    Member,
    Node,
    Parenthesized,
    TypeOperation,
    UnaryOperation,
    Variable,
)

_BINDING_POWER = {
    "implies": 1,
    "or": 2,
    "xor": 2,
    "and": 3,
    "in": 4,
    "contains": 4,
    "=": 5,
    "~": 5,
    "!=": 5,
    "!~": 5,
    "<": 6,
    ">": 6,
    "<=": 6,
    ">=": 6,
    "|": 7,
    "is": 8,
    "as": 8,
    "+": 9,
    "-": 9,
    "&": 9,
    "*": 10,
    "/": 10,
    "div": 10,
    "mod": 10,
}
_UNARY_BINDING_POWER = 11
_WORD_OPERATORS = frozenset(op for op in _BINDING_POWER if op.isalpha())
_CALENDAR_UNITS = frozenset(
    word + plural
    for word in ("year", "month", "week", "day", "hour", "minute", "second", "millisecond")
    for plural in ("", "s")
)


def parse(expression: str) -> Node:
    """Parse a whole FHIRPath expression; raises :class:`FhirPathError` with a position."""
    return _Parser(expression).parse_all()


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0

    def parse_all(self) -> Node:
        node = self.parse_expression(0)
        if self.peek.kind is not TokenKind.END:
            raise self.error(f"unexpected {self.peek.text!r}", self.peek)
        return node

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: Token) -> FhirPathError:
        return FhirPathError(message, expression=self.expression, position=token.position)

    def expect_symbol(self, symbol: str) -> Token:
        token = self.advance()
        if token.kind is not TokenKind.SYMBOL or token.text != symbol:
            found = token.text or token.kind.value
            raise self.error(f"expected {symbol!r} but found {found!r}", token)
        return token

    def at_symbol(self, symbol: str) -> bool:
        return self.peek.kind is TokenKind.SYMBOL and self.peek.text == symbol

    def parse_expression(self, min_power: int) -> Node:
        left = self.parse_prefix()
        while True:
            operator = self.infix_operator()
            power = _BINDING_POWER.get(operator or "", 0)
            if operator is None or power <= min_power:
                return left
            token = self.advance()
            if operator in ("is", "as"):
                left = TypeOperation(operator, left, self.parse_type_name(), token.position)
            else:
                right = self.parse_expression(power)
                left = BinaryOperation(operator, left, right, token.position)

    def infix_operator(self) -> str | None:
        token = self.peek
        if token.kind is TokenKind.SYMBOL and token.text in _BINDING_POWER:
            return token.text
        if token.kind is TokenKind.IDENTIFIER and token.text in _WORD_OPERATORS:
            return token.text
        return None

    def parse_type_name(self) -> str:
        parts = [self.parse_name()]
        while self.at_symbol(".") and self.tokens[self.index + 1].kind in (
            TokenKind.IDENTIFIER,
            TokenKind.DELIMITED_IDENTIFIER,
        ):
            self.advance()
            parts.append(self.parse_name())
        return ".".join(parts)

    def parse_name(self) -> str:
        token = self.advance()
        if token.kind not in (TokenKind.IDENTIFIER, TokenKind.DELIMITED_IDENTIFIER):
            raise self.error(f"expected a name but found {token.text or token.kind.value!r}", token)
        return token.text

    def parse_prefix(self) -> Node:
        token = self.peek
        if token.kind is TokenKind.SYMBOL and token.text in ("+", "-"):
            self.advance()
            operand = self.parse_expression(_UNARY_BINDING_POWER)
            return self.parse_postfix(UnaryOperation(token.text, operand, token.position))
        return self.parse_postfix(self.parse_term())

    def parse_postfix(self, node: Node) -> Node:
        while True:
            if self.at_symbol("."):
                self.advance()
                node = self.parse_invocation(node)
            elif self.at_symbol("["):
                token = self.advance()
                index = self.parse_expression(0)
                self.expect_symbol("]")
                node = Indexer(node, index, token.position)
            else:
                return node

    def parse_invocation(self, target: Node | None) -> Node:
        token = self.peek
        if token.kind is TokenKind.SPECIAL and target is None:
            self.advance()
            return Variable(token.text, token.position)
        name = self.parse_name()
        if self.at_symbol("("):
            return FunctionCall(target, name, self.parse_arguments(), token.position)
        if target is None:
            return Identifier(name, token.position)
        return Member(target, name, token.position)

    def parse_arguments(self) -> tuple[Node, ...]:
        self.expect_symbol("(")
        args: list[Node] = []
        if not self.at_symbol(")"):
            args.append(self.parse_expression(0))
            while self.at_symbol(","):
                self.advance()
                args.append(self.parse_expression(0))
        self.expect_symbol(")")
        return tuple(args)

    def parse_term(self) -> Node:
        token = self.peek
        kind = token.kind
        if kind is TokenKind.STRING:
            self.advance()
            return Literal(token.text, "string", token.position)
        if kind is TokenKind.NUMBER:
            return self.parse_number()
        if kind is TokenKind.DATETIME:
            self.advance()
            return _temporal_literal(token)
        if kind is TokenKind.CONSTANT:
            self.advance()
            return ExternalConstant(token.text, token.position)
        if kind is TokenKind.SYMBOL:
            return self.parse_symbol_term(token)
        if kind is TokenKind.IDENTIFIER and token.text in ("true", "false"):
            self.advance()
            return Literal(token.text == "true", "boolean", token.position)
        if kind in (TokenKind.IDENTIFIER, TokenKind.DELIMITED_IDENTIFIER, TokenKind.SPECIAL):
            return self.parse_invocation(None)
        raise self.error(f"unexpected {token.text or token.kind.value!r}", token)

    def parse_symbol_term(self, token: Token) -> Node:
        if token.text == "(":
            self.advance()
            inner = self.parse_expression(0)
            self.expect_symbol(")")
            return Parenthesized(inner, token.position)
        if token.text == "{":
            self.advance()
            self.expect_symbol("}")
            return EmptyLiteral(token.position)
        raise self.error(f"unexpected {token.text!r}", token)

    def parse_number(self) -> Node:
        token = self.advance()
        number: int | float = float(token.text) if "." in token.text else int(token.text)
        unit = self.parse_unit()
        if unit is None:
            return Literal(number, "decimal" if "." in token.text else "integer", token.position)
        return Literal({"value": number, "unit": unit}, "Quantity", token.position)

    def parse_unit(self) -> str | None:
        token = self.peek
        is_unit = token.kind is TokenKind.STRING or (
            token.kind is TokenKind.IDENTIFIER and token.text in _CALENDAR_UNITS
        )
        if not is_unit:
            return None
        self.advance()
        return token.text


def _temporal_literal(token: Token) -> Literal:
    text = token.text[1:]
    if text.startswith("T"):
        return Literal(text[1:], "time", token.position)
    if "T" in text:
        return Literal(text.removesuffix("T"), "dateTime", token.position)
    return Literal(text, "date", token.position)
