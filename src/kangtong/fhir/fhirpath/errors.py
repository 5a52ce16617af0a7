"""The one exception the FHIRPath engine raises."""

from __future__ import annotations


class FhirPathError(Exception):
    """A FHIRPath expression is malformed, or its evaluation broke a rule of the language.

    ``position`` is the 0-based character offset of a syntax error in ``expression``.
    """

    def __init__(
        self, message: str, *, expression: str | None = None, position: int | None = None
    ) -> None:
        self.message = message
        self.expression = expression
        self.position = position
        super().__init__(self._describe())

    def _describe(self) -> str:
        if self.position is None:
            return self.message
        where = f" at position {self.position}"
        if self.expression is not None:
            where += f" in {self.expression!r}"
        return self.message + where
