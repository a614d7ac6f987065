"""Smartlock authorizations and account users: the rules on their fields and when one admits.

Sources: the vendor spec's schemas ``SmartlockAuth``, ``SmartlockAuthCreate``,
``SmartlocksAuthCreate``, ``SmartlockAuthUpdate``, ``SmartlockAuthMultiUpdate`` and
``AccountUserCreate``; vendor-behaviour §1.2 (400 and 409 wording) and §1.8 (keypad codes,
weekday bitmask, the 200-authorization limit).

Choices that no source decides [inferred]:

- Windows are evaluated in UTC: the spec names a ``timezoneId`` for devices, but not the table
  of zones behind it, so nukiweb cannot place a device in a zone.
- Dates are instants: access is admitted from ``allowedFromDate`` on and ends at
  ``allowedUntilDate``. Times are minute labels, both ends admitted (the Bluetooth API writes a
  whole day as 00:00 to 23:59), so they run 0..1439 and 1440 is refused.
- Equal from and until times mean "no daily restriction": clients send 0 and 0 for that.
- A from time after the until time is an overnight window (22:00 to 06:00); its after-midnight
  part belongs to the weekday on which it opened. Refusing it would leave no way to give a night
  shift a keypad code, since a code may be used only once per device.
- ``allowedWeekDays`` 0, like ``None``, means every day, as 0/0 times mean every time.
- A 201st authorization on a device is a ``Conflict`` (409): the request is well formed, the
  device is full (the lock answers error 0x13, P_ERROR_MAX_USER).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum, IntEnum, StrEnum
from typing import Any, Final

from nukiweb.domain.accounts import check_email
from nukiweb.domain.accounts import check_name as check_person_name
from nukiweb.domain.errors import Conflict, InvalidParameter


class AuthType(IntEnum):
    """``SmartlockAuth.type``."""

    APP = 0
    BRIDGE = 1
    FOB = 2
    KEYPAD = 3
    KEYPAD_CODE = 13
    Z_KEY = 14
    VIRTUAL = 15


# SmartlockAuthCreate.type: "0 .. app (default), 2 .. fob, 13 .. keypad".
CREATABLE_TYPES: Final = frozenset({AuthType.APP, AuthType.FOB, AuthType.KEYPAD_CODE})
MAX_AUTHORIZATIONS_PER_DEVICE: Final = 200  # error 0x13 P_ERROR_MAX_USER
# A Nuki rep adds a limit of 100 keypad codes besides the 200 authorizations (forum 4503);
# the issue asks for the 200 only.
MAX_NAME_LENGTH: Final = 32  # SmartlockAuth.name: "max 32 chars"
KEYPAD_CODE_LENGTH: Final = 6
MINUTES_PER_DAY: Final = 24 * 60
EVERY_DAY: Final = 0b111_1111  # allowedWeekDays: 64 Monday ... 1 Sunday
LANGUAGES: Final = frozenset({"en", "de", "es", "fr", "it", "nl", "cs", "sk"})  # AccountUser*

_DIGITS = re.compile(r"[0-9]+")
_NULL = "null"  # how the vendor shows a missing value in its 400 messages (§1.2)
_ONLY_KEYPAD_HAS_CODE = "Only keypad code authorizations (type 13) have a code."


def _shown(value: object) -> object:
    return _NULL if value is None else value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- names and keypad codes ------------------------------------------------------------------


def check_name(name: str | None, parameter: str = "name") -> str:
    """An authorization's name, stripped: 1 to 32 characters."""
    if not isinstance(name, str):
        raise InvalidParameter(parameter, _shown(name))
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_NAME_LENGTH:
        raise InvalidParameter(parameter, name, f"A name has 1 to {MAX_NAME_LENGTH} characters.")
    return stripped


def check_keypad_code(code: int | str | None, parameter: str = "code") -> int:
    """A keypad code: 6 digits, each 1-9, not starting with "12" (§1.8). An int or its digits."""
    if code is None:
        raise InvalidParameter(parameter, _NULL)  # the vendor's whole message (§1.2)
    if isinstance(code, str) and _DIGITS.fullmatch(code):
        digits = code
    elif isinstance(code, int) and not isinstance(code, bool) and code >= 0:
        digits = str(code)
    else:
        raise InvalidParameter(parameter, _shown(code), "A keypad code is a number.")
    if len(digits) != KEYPAD_CODE_LENGTH:
        raise InvalidParameter(parameter, code, "A keypad code has 6 digits.")
    if "0" in digits:
        raise InvalidParameter(parameter, code, "A keypad code's digits are 1 to 9, never 0.")
    if digits.startswith("12"):
        raise InvalidParameter(parameter, code, "A keypad code must not start with 12.")
    return int(digits)


def _check_code_unused(code: int, existing_codes: Container[int]) -> None:
    if code in existing_codes:
        raise Conflict("Another authorization on this smartlock already uses this keypad code.")


# --- time windows ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """When an authorization admits; every field ``None`` admits at any time."""

    allowed_from_date: datetime | None = None  # aware; admitted from this instant on
    allowed_until_date: datetime | None = None  # aware; access ends at this instant
    allowed_week_days: int | None = None  # 64 Monday ... 1 Sunday; None or 0: every day
    allowed_from_time: int | None = None  # minutes from midnight, 0..1439, admitted
    allowed_until_time: int | None = None  # minutes from midnight, 0..1439, admitted


def check_time_window(
    *,
    allowed_from_date: datetime | None = None,
    allowed_until_date: datetime | None = None,
    allowed_week_days: int | None = None,
    allowed_from_time: int | None = None,
    allowed_until_time: int | None = None,
) -> TimeWindow:
    """A window from the request's fields, each refused under the spec's name for it."""
    _check_date("allowedFromDate", allowed_from_date)
    _check_date("allowedUntilDate", allowed_until_date)
    if (
        allowed_from_date is not None
        and allowed_until_date is not None
        and allowed_from_date >= allowed_until_date
    ):
        raise InvalidParameter(
            "allowedUntilDate", allowed_until_date, "It must be after allowedFromDate."
        )
    if allowed_week_days is not None and (
        not _is_int(allowed_week_days) or not 0 <= allowed_week_days <= EVERY_DAY
    ):
        raise InvalidParameter(
            "allowedWeekDays", allowed_week_days, "A bitmask from 0 to 127: 64 Monday, 1 Sunday."
        )
    _check_time("allowedFromTime", allowed_from_time)
    _check_time("allowedUntilTime", allowed_until_time)
    if (allowed_from_time is None) != (allowed_until_time is None):
        missing = "allowedFromTime" if allowed_from_time is None else "allowedUntilTime"
        raise InvalidParameter(
            missing, _NULL, "A time window needs allowedFromTime and allowedUntilTime."
        )
    return TimeWindow(
        allowed_from_date,
        allowed_until_date,
        allowed_week_days,
        allowed_from_time,
        allowed_until_time,
    )


def _check_date(parameter: str, value: datetime | None) -> None:
    if value is None:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidParameter(parameter, value, "A date needs a time zone, e.g. Z.")


def _check_time(parameter: str, value: int | None) -> None:
    if value is not None and (not _is_int(value) or not 0 <= value < MINUTES_PER_DAY):
        raise InvalidParameter(parameter, value, "Minutes from midnight, 0 to 1439.")


def weekday_bit(day: date) -> int:
    """The ``allowedWeekDays`` bit of a day: 64 Monday ... 1 Sunday."""
    return 1 << (6 - day.weekday())


def allows(window: TimeWindow, at: datetime) -> bool:
    """Whether ``window`` admits an access at the aware instant ``at``, evaluated in UTC."""
    if at.utcoffset() is None:
        msg = "allows() needs an aware datetime"
        raise ValueError(msg)
    at = at.astimezone(UTC)
    if window.allowed_from_date is not None and at < window.allowed_from_date:
        return False
    if window.allowed_until_date is not None and at >= window.allowed_until_date:
        return False
    day = _window_day(window, at)
    if day is None:
        return False
    days = window.allowed_week_days or EVERY_DAY
    return bool(days & weekday_bit(day))


def _window_day(window: TimeWindow, at: datetime) -> date | None:
    """The day whose window admits ``at`` (UTC), or ``None`` when ``at`` is outside the times."""
    start, end = window.allowed_from_time, window.allowed_until_time
    if start is None or end is None or start == end:
        return at.date()
    minute = at.hour * 60 + at.minute
    if start < end:
        return at.date() if start <= minute <= end else None
    # Overnight: the part after midnight belongs to the day on which the window opened.
    if minute >= start:
        return at.date()
    if minute <= end:
        return at.date() - timedelta(days=1)
    return None


# --- creating and updating -------------------------------------------------------------------


def check_creation(
    auth_type: int | None,
    *,
    code: int | str | None,
    account_user_id: int | None,
    keypad_paired: bool,
    existing_codes: Container[int],
    existing_count: int,
) -> AuthType:
    """Refuse an authorization that the device cannot take; the type it will have (default app).

    ``existing_codes``: the keypad codes already on the device; ``existing_count``: how many
    authorizations it holds. Name and window are checked by ``check_name``/``check_time_window``.
    """
    if auth_type is None:
        auth_type = AuthType.APP
    if not _is_int(auth_type) or auth_type not in CREATABLE_TYPES:
        raise InvalidParameter("type", auth_type)
    kind = AuthType(auth_type)
    if kind is AuthType.KEYPAD_CODE:
        if not keypad_paired:
            raise InvalidParameter("type", int(kind))  # the vendor's whole message (§1.2)
        checked_code = check_keypad_code(code)
    else:
        if account_user_id is None:
            raise InvalidParameter("accountUserId", _NULL, "It is required unless type is 13.")
        if code is not None:
            raise InvalidParameter("code", code, _ONLY_KEYPAD_HAS_CODE)
    if existing_count >= MAX_AUTHORIZATIONS_PER_DEVICE:
        raise Conflict(
            f"The smartlock already holds {MAX_AUTHORIZATIONS_PER_DEVICE} authorizations, "
            "the most it can store."
        )
    if kind is AuthType.KEYPAD_CODE:
        _check_code_unused(checked_code, existing_codes)
    return kind


class _Unset(Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET  # a field the request did not send


@dataclass(frozen=True, slots=True)
class AuthorizationFields:
    """The writable fields of a stored authorization."""

    name: str
    enabled: bool
    remote_allowed: bool
    account_user_id: int | None = None
    code: int | None = None
    window: TimeWindow = TimeWindow()


@dataclass(frozen=True, slots=True)
class AuthorizationUpdate:
    """The fields a partial update sent; ``UNSET`` ones keep their value, ``None`` clears."""

    name: str | _Unset | None = UNSET
    enabled: bool | _Unset | None = UNSET
    remote_allowed: bool | _Unset | None = UNSET
    account_user_id: int | _Unset | None = UNSET
    code: int | str | _Unset | None = UNSET
    allowed_from_date: datetime | _Unset | None = UNSET
    allowed_until_date: datetime | _Unset | None = UNSET
    allowed_week_days: int | _Unset | None = UNSET
    allowed_from_time: int | _Unset | None = UNSET
    allowed_until_time: int | _Unset | None = UNSET

    @classmethod
    def from_spec(cls, sent: Mapping[str, Any]) -> AuthorizationUpdate:
        """From the fields a request sent, under the spec's names (``model_dump(
        exclude_unset=True)``); others, such as ``id``, are not the update's and are ignored."""
        return cls(
            **{_UPDATE_FIELDS[key]: value for key, value in sent.items() if key in _UPDATE_FIELDS}
        )


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


# The spec's name of each field an update may send (SmartlockAuthUpdate, ...MultiUpdate).
_UPDATE_FIELDS: Final = {_camel(field.name): field.name for field in fields(AuthorizationUpdate)}
_WINDOW_FIELDS: Final = tuple(field.name for field in fields(TimeWindow))


def check_update(
    auth_type: AuthType,
    current: AuthorizationFields,
    update: AuthorizationUpdate,
    *,
    existing_codes: Container[int],
) -> AuthorizationFields:
    """``current`` with the fields ``update`` sent, each checked; the others unchanged.

    ``existing_codes``: the keypad codes on the device; the authorization's own may be among them.
    """
    changed = current
    if not isinstance(update.name, _Unset):
        changed = replace(changed, name=check_name(update.name))
    if not isinstance(update.enabled, _Unset):
        changed = replace(changed, enabled=_check_flag("enabled", update.enabled))
    if not isinstance(update.remote_allowed, _Unset):
        changed = replace(
            changed, remote_allowed=_check_flag("remoteAllowed", update.remote_allowed)
        )
    if not isinstance(update.account_user_id, _Unset):
        if update.account_user_id is None and auth_type is not AuthType.KEYPAD_CODE:
            raise InvalidParameter("accountUserId", _NULL, "It is required unless type is 13.")
        changed = replace(changed, account_user_id=update.account_user_id)
    if not isinstance(update.code, _Unset):
        changed = replace(
            changed, code=_updated_code(auth_type, current, update.code, existing_codes)
        )
    return replace(changed, window=_updated_window(current.window, update))


def _check_flag(parameter: str, value: bool | None) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameter(parameter, _shown(value))
    return value


def _updated_code(
    auth_type: AuthType,
    current: AuthorizationFields,
    code: int | str | None,
    existing: Container[int],
) -> int | None:
    if auth_type is not AuthType.KEYPAD_CODE:
        if code is not None:
            raise InvalidParameter("code", code, _ONLY_KEYPAD_HAS_CODE)
        return None
    checked = check_keypad_code(code)
    if checked != current.code:
        _check_code_unused(checked, existing)
    return checked


def _updated_window(window: TimeWindow, update: AuthorizationUpdate) -> TimeWindow:
    merged = {}
    for name in _WINDOW_FIELDS:
        sent = getattr(update, name)
        merged[name] = getattr(window, name) if isinstance(sent, _Unset) else sent
    return check_time_window(**merged)


# --- access ----------------------------------------------------------------------------------


class Refusal(StrEnum):
    """Why an authorization was refused at the device."""

    DISABLED = "The authorization is disabled."
    OUTSIDE_WINDOW = "The authorization does not admit at this time."
    REMOTE_NOT_ALLOWED = "The authorization does not allow remote access."


@dataclass(frozen=True, slots=True)
class AuthorizationRules:
    """What the device knows of an authorization when someone uses it."""

    enabled: bool
    remote_allowed: bool
    window: TimeWindow = TimeWindow()


@dataclass(frozen=True, slots=True)
class AccessDecision:
    allowed: bool
    reason: Refusal | None = None


def decide_access(rules: AuthorizationRules, at: datetime, *, remote: bool) -> AccessDecision:
    """Whether the device lets the authorization operate at ``at`` (UTC).

    ``remote``: the operation came through the bridge or the Web API rather than at the door
    (an app nearby over Bluetooth, a fob, a keypad code are not remote).
    """
    if not rules.enabled:
        return AccessDecision(allowed=False, reason=Refusal.DISABLED)
    if not allows(rules.window, at):
        return AccessDecision(allowed=False, reason=Refusal.OUTSIDE_WINDOW)
    if remote and not rules.remote_allowed:
        return AccessDecision(allowed=False, reason=Refusal.REMOTE_NOT_ALLOWED)
    return AccessDecision(allowed=True)


# --- account users ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountUserFields:
    """``AccountUserCreate``/``AccountUserUpdate`` checked; ``None`` where nothing was sent."""

    email: str | None
    name: str | None
    language: str | None


def check_account_user(
    email: str | None, name: str | None, language: str | None, *, partial: bool = False
) -> AccountUserFields:
    """An account user's fields: email and name are required unless ``partial`` (an update).

    The name follows the account names' rule (1 to 100 characters): an account user is a
    person in the account's address book, and the spec gives no limit for it.
    """
    if email is not None:
        email = check_email(email)
    elif not partial:
        raise InvalidParameter("email", _NULL)
    if name is not None:
        name = check_person_name(name)
    elif not partial:
        raise InvalidParameter("name", _NULL)
    if language is not None and language not in LANGUAGES:
        raise InvalidParameter("language", language, f"One of {', '.join(sorted(LANGUAGES))}.")
    return AccountUserFields(email, name, language)
