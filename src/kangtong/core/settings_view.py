"""The effective settings as an operator may see them: secrets masked, each with its source.

`kangtong config show` prints this; it must not leak what `Settings` holds in confidence (the
database password, any field in `SECRET_FIELDS`) into a terminal, a ticket or a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from pydantic_settings import DotEnvSettingsSource, EnvSettingsSource

from kangtong.core.config import SECRET_FIELDS, SETTINGS_SOURCES, Settings

MASK = "***"
Source = Literal["option", "env", ".env", "default"]

# scheme://user:password@… — the password runs to the last "@" of the text: a password with
# "@", "/", "?" or even a line break in it is hidden whole, at the price of hiding more when a
# query holds an "@". Leading blanks are allowed: a mistyped value is shown masked too.
_URL_PASSWORD = re.compile(r"^(\s*[A-Za-z][\w+.-]*://[^:/@?#]*):.*@", re.DOTALL)
# libpq also reads a password from the query string: ?password=… or &sslpassword=…; SQLAlchemy
# percent-decodes the key first, so `?%70assword=…` is a password as well.
_QUERY_PARAMETER = re.compile(r"([?&])([^=&#]*)=([^&#]*)")
_PASSWORD_KEYS = frozenset({"password", "sslpassword"})


@dataclass(frozen=True)
class ShownSetting:
    """One setting as shown: its value (masked where secret) and where the value came from."""

    name: str
    env_var: str
    value: object
    source: Source


def mask_url_password(value: str) -> str:
    """`postgresql://user:secret@host/db` → `postgresql://user:***@host/db`; others unchanged."""
    masked = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", value, count=1)
    return _QUERY_PARAMETER.sub(_masked_parameter, masked)


def _masked_parameter(match: re.Match[str]) -> str:
    """`?key=value` with the value masked when the key, as the driver decodes it, is a password."""
    separator, key, _value = match.groups()
    if unquote_plus(key).strip().lower() not in _PASSWORD_KEYS:
        return match.group(0)
    return f"{separator}{key}={MASK}"


def masked_value(name: str, value: object) -> object:
    """The value of field `name` fit to show: a secret field wholly masked, URLs' passwords too."""
    if name in SECRET_FIELDS:
        return MASK if value not in ("", None) else value
    if isinstance(value, str):
        return mask_url_password(value)
    if isinstance(value, list):
        return [mask_url_password(v) if isinstance(v, str) else v for v in value]
    return value


def env_var_name(name: str) -> str:
    return f"{SETTINGS_SOURCES.get('env_prefix', '')}{name}".upper()


def shown_settings(settings: Settings, options: frozenset[str] = frozenset()) -> list[ShownSetting]:
    """Every field of `settings` in declaration order; `options` names those given on the CLI.

    The source follows pydantic-settings' precedence: a CLI option, then the environment,
    then `.env` in the working folder, then the default. Names match case-insensitively there.
    """
    # The sources' own readings of the environment and of `.env`, names lower-cased.
    environment = EnvSettingsSource(Settings).env_vars
    dotenv = DotEnvSettingsSource(Settings).env_vars
    shown = []
    for name in Settings.model_fields:
        env_var = env_var_name(name)
        source: Source = "default"
        if name in options:
            source = "option"
        elif env_var.lower() in environment:
            source = "env"
        elif env_var.lower() in dotenv:
            source = ".env"
        value = masked_value(name, getattr(settings, name))
        shown.append(ShownSetting(name, env_var, value, source))
    return shown
