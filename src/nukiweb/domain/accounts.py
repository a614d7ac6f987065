"""Accounts, sub-accounts, API keys and API tokens: the records and the rules on their fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.rights import ALL_RIGHTS, Rights
from nukiweb.domain.scopes import Scope

MIN_PASSWORD_LENGTH = 7  # AccountUpdate.password: "must be at least 7 chars long"
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 255
MAX_EMAIL_FILTER_LENGTH = 100
MAX_EMAIL_LENGTH = 254  # RFC 5321

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$")
# A group that is repeated and itself repeats ("(a+)+"): what makes a regex backtrack forever.
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")


@dataclass(frozen=True, slots=True)
class Account:
    account_id: int
    type: int
    email: str
    email_verified: bool
    name: str
    master_account_id: int | None
    rights: Rights | None
    language: str
    config: dict[str, Any] | None
    profile: dict[str, Any] | None
    creation_date: datetime
    update_date: datetime

    @property
    def owner_account_id(self) -> int:
        return self.master_account_id or self.account_id


@dataclass(frozen=True, slots=True)
class ApiKey:
    api_key_id: int
    account_id: int
    api_key: str
    description: str | None
    redirect_uris: list[str]
    creation_date: datetime
    has_client_secret: bool = False
    """Whether an OAuth2 client secret was created for the key (only its digest is kept)."""


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    api_key_id: int
    account_id: int
    description: str | None
    scopes: frozenset[Scope]
    creation_date: datetime


def email_key(email: str) -> str:
    return email.strip().lower()


def check_email(email: str, parameter: str = "email") -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidParameter(parameter, email)
    return email


def check_password(password: str, parameter: str = "password") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(
            parameter, "*****", f"It must be at least {MIN_PASSWORD_LENGTH} characters long."
        )
    return password


def check_name(name: str, parameter: str = "name") -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidParameter(parameter, name)
    return name


def check_language(language: str, parameter: str = "language") -> str:
    if not _LANGUAGE.match(language):
        raise InvalidParameter(parameter, language)
    return language


def check_description(description: str | None, parameter: str = "description") -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidParameter(parameter, description[:20] + "...")
    return description


def check_rights(rights: int, granted_by: Rights | None, parameter: str = "rights") -> Rights:
    """A sub-account's rights: a bitmask of ``Rights``; a sub-account that creates or edits
    another cannot grant rights it does not hold itself."""
    if not 0 <= rights <= int(ALL_RIGHTS):
        raise InvalidParameter(parameter, rights)
    wanted = Rights(rights)
    if granted_by is not None and wanted & ~granted_by:
        raise InvalidParameter(parameter, rights, "A sub-account cannot grant rights it lacks.")
    return wanted


def check_redirect_uris(uris: list[str], parameter: str = "redirectUris") -> list[str]:
    """Absolute http(s) URLs or app schemes, without wildcards (doc §4.4: "They cannot contain
    wildcard characters")."""
    checked = []
    for given in uris:
        uri = given.strip()
        try:
            parts = urlsplit(uri)
        except ValueError:  # an unclosed "[": no URL
            raise InvalidParameter(parameter, uri) from None
        if "*" in uri or not parts.scheme or not (parts.netloc or parts.path) or "#" in uri:
            raise InvalidParameter(parameter, uri)
        if parts.scheme in ("http", "https") and not parts.netloc:
            raise InvalidParameter(parameter, uri)
        checked.append(uri)
    return checked


def email_filter(pattern: str | None, parameter: str = "email") -> re.Pattern[str] | None:
    """The ``email`` filter of ``GET /account/sub``: a case-insensitive regular expression, as
    the spec says, refused when it is long or nests repetitions (which could run for ever)."""
    if pattern is None or pattern == "":
        return None
    if len(pattern) > MAX_EMAIL_FILTER_LENGTH or _NESTED_QUANTIFIER.search(pattern):
        raise InvalidParameter(parameter, pattern)
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        raise InvalidParameter(parameter, pattern) from None
