"""One-time passwords for signing in (TOTP, RFC 6238): six digits from a shared secret and the
time, a new code every 30 seconds. pyotp computes the codes; the rules here say which code is
accepted when: the server's time, one step of clock skew either way, and each step once."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pyotp
from pyotp.utils import strings_equal

ISSUER = "nukiweb"
# The clocks of a phone and of the server may differ by one step (30 seconds) either way.
SKEW_STEPS = 1
ENABLED_DATE = "otpEnabledDate"
"""The key of ``Account.Config`` that says since when an account has one-time passwords."""

_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A new shared secret: 32 base32 characters (160 bits), as authenticator apps take it."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to if it is right at ``now`` (within the skew) and its
    step is later than ``last_step``, the last one accepted (a code is good once); else
    ``None``."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    matched = None
    for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1):
        # Every candidate is compared, in constant time, so that the time taken says nothing.
        right = strings_equal(totp.generate_otp(step), code)
        if right and matched is None and (last_step is None or step > last_step):
            matched = step
    return matched


def enabled_date(config: dict[str, Any] | None) -> datetime | None:
    """When one-time passwords were enabled, as ``Account.Config`` keeps it (ISO 8601 text)."""
    value = None if config is None else config.get(ENABLED_DATE)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def keep_enabled_date(stored: dict[str, Any] | None, sent: dict[str, Any]) -> dict[str, Any]:
    """The config a client sent, with the date the server set in the stored one kept: a client
    has no say in it."""
    kept = {name: value for name, value in sent.items() if name != ENABLED_DATE}
    if stored is not None and ENABLED_DATE in stored:
        kept[ENABLED_DATE] = stored[ENABLED_DATE]
    return kept
