"""Whether the key folder's files can be read, for the readiness probe (`GET /readyz`).

A server whose key files became unreadable — a deploy that changed their owner, a volume
mounted wrongly — still answers /healthz but cannot sign a token, open a sealed record or seal
an audit row. The check opens each key file that exists and reads a byte; it never parses a key
nor reports a path or content. A folder that does not exist yet passes: the keys are generated
there on first use (security/keys.py).
"""

from __future__ import annotations

import stat
from pathlib import Path

from kangtong.security.audit_keys import AUDIT_KEYS_FILE
from kangtong.security.export.pseudonyms import KEY_FILE as PSEUDONYM_KEY_FILE
from kangtong.security.keys import FIELD_KEYS_FILE, SIGNING_KEY_FILE, SM2_KEY_FILE

KEY_FILES = (SIGNING_KEY_FILE, SM2_KEY_FILE, FIELD_KEYS_FILE, AUDIT_KEYS_FILE, PSEUDONYM_KEY_FILE)


def key_files_readable(folder: Path) -> bool:
    """True when the folder is absent, or a folder whose existing key files can all be read."""
    try:
        found = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(found.st_mode):
        return False
    for name in KEY_FILES:
        path = folder / name
        try:
            with path.open("rb") as handle:
                handle.read(1)
        except FileNotFoundError:
            continue  # made on first use
        except OSError:
            return False
    return True
