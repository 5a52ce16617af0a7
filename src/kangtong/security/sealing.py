"""Sealing of sensitive records at rest (敏感数据封存, issue 13 finding 13).

A resource the `SensitivityClassifier` puts in a sensitive category (HIV, mental health …) is
stored with its whole JSON sealed by SM4-GCM under the field keys (`field-keys.json` in the key
folder, never in the database), bound to its type and id. Its index rows are cut down to what
reveals no identity: identifying token values (`fhir.search.blind`) become HMAC-SM3 blind
tokens, display texts and string rows are dropped; codes, references, dates and labels stay,
because the access filter and clinical searches need them. A database dump or a DBA's SELECT
therefore shows neither the name, the note, the narrative nor the identifier of such a record.
"""

from __future__ import annotations

from kangtong.fhir.search.blind import BLIND_PREFIX, BLIND_TOKEN_PARAMS
from kangtong.fhir.search.definitions import param_key
from kangtong.security.accounts import ResealCount
from kangtong.security.crypto.field_cipher import UndecryptableField
from kangtong.security.keys import KeyFiles
from kangtong.store.database import Database
from kangtong.store.index_rows import IndexRows
from kangtong.store.sealed_content import replace_sealed, sealed_versions_after
from kangtong.store.sealing import content_context


class ResourceSealer:
    """The store's `ContentSealing` and the search's blind tokens, under the current field keys.

    Keys are taken from `KeyFiles` at each use, so a rotation (`kangtong auth
    rotate-field-keys`) applies at once; values sealed under older versions stay readable.
    """

    def __init__(self, keys: KeyFiles) -> None:
        self.keys = keys

    def seal(self, content: bytes, context: str) -> bytes:
        return self.keys.field_cipher().seal(content, context)

    def open(self, sealed: bytes, context: str) -> bytes:
        return self.keys.field_cipher().open(sealed, context)

    def blind_token(self, param: str, value: str) -> str:
        """The stored form of `value` of parameter `param` on a sealed resource."""
        return BLIND_PREFIX + self.keys.blind_index().token(value, param)

    def blind_tokens(self, param: str, value: str) -> list[str]:
        """Every form `value` may be stored in (one per key version), for searching."""
        return [BLIND_PREFIX + t for t in self.keys.blind_index().search_tokens(value, param)]

    def seal_rows(self, res_type: str, rows: IndexRows) -> None:
        """Mark `rows` sealed and remove the clear identifying values from them."""
        blind = {param_key(res_type, code): code for code in BLIND_TOKEN_PARAMS}
        rows.token = [
            (key, system, self.blind_token(blind[key], code), None)
            if key in blind and code
            else (key, system, code, None)
            for key, system, code, _text in rows.token
        ]
        rows.string = []
        rows.sealed = True


RESOURCE_CONTENT = "resource_version.content"


def reseal_resource_content(db: Database, keys: KeyFiles, batch: int = 500) -> ResealCount:
    """Re-encrypt every sealed resource version still under an older field key (rotation).

    Blind tokens in the index keep the key version they were made with: searches look for the
    tokens of every version, so they still match until the resource is next written.
    """
    cipher = keys.field_cipher()
    after, examined, resealed, unreadable = (0, 0), 0, 0, 0
    while True:
        with db.write() as conn:
            rows = sealed_versions_after(conn, after, batch)
            for pk, version, res_type, res_id, sealed in rows:
                try:
                    if not cipher.needs_rotation(sealed):
                        continue
                    fresh = cipher.reseal(sealed, content_context(res_type, res_id))
                except UndecryptableField:
                    unreadable += 1
                    continue
                resealed += replace_sealed(conn, pk, version, sealed, fresh)
        examined += len(rows)
        if len(rows) < batch:
            return ResealCount(RESOURCE_CONTENT, examined, resealed, unreadable)
        after = (rows[-1][0], rows[-1][1])
