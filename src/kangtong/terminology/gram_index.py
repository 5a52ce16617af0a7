"""Which concepts have a form containing a string: n-gram posting lists, then a check.

Each concept (at its *place*, the answer order of text matches) has a record: its forms, each
led by SEP. For every pair of characters of a record, and every SEP-led triple ("\\x01jx" = "a
form starts with jx") — or every triple, for pinyin, whose pairs are too common to narrow much —
the sorted places of the concepts whose record holds it are kept. A two-letter filter such as
"jx" — the costly kind, thousands of matches — is answered by one posting list as it stands,
already in answer order. A longer string takes the shortest posting list of its pieces as
candidates and keeps those whose record contains it (one `in` each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

SEP = "\x01"  # before each form; no form or query holds control characters
NOTHING: list[int] = []


class GramIndex:
    """Substring search over the forms of every concept of one kind (Latin or other)."""

    def __init__(self, forms_by_place: Sequence[Sequence[str]], triples: bool = False) -> None:
        """`triples`: index every three characters, not only those that start a form."""
        self._triples = triples
        postings: defaultdict[str, list[int]] = defaultdict(list)
        records: list[str] = []
        for place, forms in enumerate(forms_by_place):
            record = SEP + SEP.join(forms) + SEP if forms else ""
            records.append(record)
            for gram in _grams(record, triples):
                postings[gram].append(place)
        self._postings = dict(postings)
        self._records = records

    def containing(self, text: str) -> list[int]:
        """Sorted places of the concepts one of whose forms contains `text` (which may start
        with SEP: then a form must start with the rest)."""
        if len(text) == 2 or (len(text) == 3 and (self._triples or text.startswith(SEP))):
            return self._postings.get(text, NOTHING)
        width = 3 if self._triples else 2
        keys = [text[i : i + width] for i in range(len(text) - width + 1)]
        if text.startswith(SEP):
            keys.append(text[:3])
        postings = (self._postings.get(key, NOTHING) for key in keys)
        candidates = min(postings, key=len, default=range(len(self._records)))
        records = self._records
        return [place for place in candidates if text in records[place]]


def _grams(record: str, triples: bool) -> set[str]:
    pairs = {record[i : i + 2] for i in range(len(record) - 1)}
    if triples:
        return pairs | {record[i : i + 3] for i in range(len(record) - 2)}
    starts = {record[i : i + 3] for i, char in enumerate(record) if char == SEP}
    return pairs | {gram for gram in starts if len(gram) == 3}
