"""Security labelling at write time (安全标签): every sensitive category a resource falls in is
indexed under its type's `_security` parameter as a code of `KANGTONG_SENSITIVITY`.

The stored JSON stays as sent; only the search index gains the rows. An unlabelled HIV
diagnosis is thereby found by `_security=…|hiv` and, above all, hidden by the search filter
from callers not cleared for it — the filter looks at one code system instead of re-deriving
categories from ICD-10 ranges in SQL.
"""

from __future__ import annotations

from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.ports import Indexer
from kangtong.fhir.search.definitions import param_key
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY, sensitivities
from kangtong.store.index_rows import IndexRows


class LabellingIndexer:
    """Wraps the resource indexer: adds the derived sensitivity labels to the token rows."""

    def __init__(self, inner: Indexer) -> None:
        self.inner = inner

    def index(self, resource: JsonObject) -> IndexRows:
        rows = self.inner.index(resource)
        categories = sensitivities(resource)
        if categories:
            key = param_key(str(resource["resourceType"]), "_security")
            present = {(r[0], r[1], r[2]) for r in rows.token}
            for category in sorted(categories):
                if (key, KANGTONG_SENSITIVITY, category.value) not in present:
                    rows.token.append((key, KANGTONG_SENSITIVITY, category.value, None))
        return rows
