"""Name search forms for names stored before this revision (issue 14).

Names of people, institutions and places are now looked up by one key: simplified characters,
folded, without spaces, hyphens, apostrophes or middle dots between syllables (`fhir.search.
params.string.name_key`), so "Ouyang Minghui" meets "ouyangminghui" and 歐陽明輝 meets 欧阳明辉.
New writes index that key; this revision adds it, and the simplified form of names written in
traditional characters, to the rows already stored. Index rows only: stored content, versions
and history stay as they are. Every name row is read once, in pages of resources.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 02:30:00.000000
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import opencc
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# As of this revision (a migration must not change when code does): `fhir.search.pinyin_params`.
_TYPES = ("Patient", "Practitioner", "Person", "RelatedPerson", "Organization", "Location",
          "HealthcareService", "Endpoint", "InsurancePlan")  # fmt: skip
_CODES = ("name", "family", "given", "phonetic", "alias")
_JOINERS = re.compile(r"[\s\-\u2010\u2011'\u2019.,\u00b7\u30fb]+")
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PAGE = 2000  # resources per page
_MAX_KEY_LENGTH = 255


def upgrade() -> None:
    conn = op.get_bind()
    keys = [zlib.crc32(f"{t}.{c}".encode()) & 0x7FFFFFFF for t in _TYPES for c in _CODES]
    converter = opencc.OpenCC("t2s")
    next_page = sa.text(
        "SELECT DISTINCT resource_pk FROM idx_string WHERE param IN :keys AND resource_pk > :after "
        "ORDER BY resource_pk LIMIT :n"
    ).bindparams(sa.bindparam("keys", expanding=True))
    page_rows = sa.text(
        "SELECT resource_pk, param, norm, exact FROM idx_string "
        "WHERE param IN :keys AND resource_pk BETWEEN :low AND :high"
    ).bindparams(sa.bindparam("keys", expanding=True))
    insert = sa.text(
        "INSERT INTO idx_string (resource_pk, param, norm, exact) VALUES (:pk, :param, :norm, :exact)"
    )
    after = -1
    while True:
        pks = [pk for (pk,) in conn.execute(next_page, {"keys": keys, "after": after, "n": _PAGE})]
        if not pks:
            return
        rows = conn.execute(page_rows, {"keys": keys, "low": pks[0], "high": pks[-1]}).all()
        missing = list(_missing_forms(rows, converter))
        if missing:
            conn.execute(insert, missing)
        after = pks[-1]


def _missing_forms(rows: Sequence[Any], converter: Any) -> Iterator[dict[str, object]]:
    """Rows for the forms a name of `rows` lacks (each page holds all rows of its resources)."""
    present = {(pk, param, norm) for pk, param, norm, _exact in rows}
    for pk, param, exact in sorted({(pk, param, exact) for pk, param, _norm, exact in rows}):
        script = converter.convert(exact) if _HANZI.search(exact) else exact
        for form in (_fold(script), _JOINERS.sub("", _fold(script))):
            if form and (pk, param, form) not in present:
                present.add((pk, param, form))
                yield {"pk": pk, "param": param, "norm": form, "exact": exact}


def _fold(value: str) -> str:
    """`fhir.search.text.fold` as of this revision."""
    normalised = unicodedata.normalize("NFKC", value).casefold()
    if not normalised.isascii():
        decomposed = unicodedata.normalize("NFD", normalised)
        normalised = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        normalised = unicodedata.normalize("NFC", normalised)
    return " ".join(normalised.split())[:_MAX_KEY_LENGTH]


def downgrade() -> None:
    # The rows added stay: they only make more names findable, and cannot be told apart from
    # the same forms written by a newer release.
    pass
