"""The forms of the Users page: what a person typed, read into the request bodies of the API's
operations (``PUT /account/user``, ``PUT /smartlock/auth``, ``POST /smartlock/{id}/auth/{id}``)
and validated by the API's own request models, so a value the API refuses is refused here with
the API's message.

Times are typed in the browser's time zone: ``static/timezone.js`` fills in ``tz_name`` (the
IANA zone) and ``tz_offset`` (``Date.getTimezoneOffset()``: minutes, UTC minus local time).
Without the script both stay as rendered, UTC, and the form says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.datastructures import FormData

from nukiweb.domain.authorizations import AuthType
from nukiweb.domain.device_words import WEEK_DAYS
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.local_times import (
    DailyWindow,
    check_offset,
    clock_text,
    daily_window_to_utc,
    local_datetime_text,
    parse_clock,
    parse_local_datetime,
)
from nukiweb.domain.smartlocks import Authorization
from nukiweb.web.pages import form_text

UTC_NAME = "UTC"
_OFFSET = re.compile(r"-?[0-9]{1,4}")
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")
_NUMBER = re.compile(r"[0-9]{1,19}")
_TEXT = 254  # the longest text field (an email)
_DAY_BITS = {str(bit): bit for bit, _ in WEEK_DAYS}
_KEYPAD_CODE = str(int(AuthType.KEYPAD_CODE))


# --- account users ---------------------------------------------------------------------------


def user_fields(form: FormData) -> dict[str, str]:
    return {name: form_text(form, name, _TEXT) for name in ("name", "email", "language")}


def user_body(entered: dict[str, str]) -> dict[str, Any]:
    """``AccountUserCreate``/``AccountUserUpdate``; no language: the API's default."""
    return {key: value for key, value in entered.items() if value or key != "language"}


# --- authorizations --------------------------------------------------------------------------


@dataclass
class AuthorizationEntry:
    """The authorization form's fields as text, as typed or as rendered from a stored one
    (then in UTC, which ``tz_name`` and ``tz_offset`` say)."""

    name: str = ""
    type: str = _KEYPAD_CODE
    account_user_id: str = ""
    code: str = ""
    enabled: bool = True
    remote_allowed: bool = False
    smartlock_ids: list[str] = field(default_factory=list)
    allowed_from: str = ""
    allowed_until: str = ""
    week_days: list[int] = field(default_factory=list)
    from_time: str = ""
    until_time: str = ""
    tz_name: str = UTC_NAME
    tz_offset: str = "0"

    @classmethod
    def of_form(cls, form: FormData) -> AuthorizationEntry:
        return cls(
            name=form_text(form, "name", 100),
            type=form_text(form, "type", 4),
            account_user_id=form_text(form, "account_user_id", 12),
            code=form_text(form, "code", 20),
            enabled=form.get("enabled") == "on",
            remote_allowed=form.get("remote_allowed") == "on",
            smartlock_ids=[str(value)[:20] for value in form.getlist("smartlock_id")][:1000],
            allowed_from=form_text(form, "allowed_from", 40),
            allowed_until=form_text(form, "allowed_until", 40),
            week_days=_week_days(form),
            from_time=form_text(form, "from_time", 8),
            until_time=form_text(form, "until_time", 8),
            tz_name=form_text(form, "tz_name", 64) or UTC_NAME,
            tz_offset=form_text(form, "tz_offset", 6) or "0",
        )

    @classmethod
    def of_authorization(cls, auth: Authorization) -> AuthorizationEntry:
        """A stored authorization, its times in UTC."""
        week_days = auth.allowed_week_days or 0
        return cls(
            name=auth.name,
            type=str(auth.type),
            account_user_id="" if auth.account_user_id is None else str(auth.account_user_id),
            code="" if auth.code is None else str(auth.code),
            enabled=auth.enabled,
            remote_allowed=auth.remote_allowed,
            smartlock_ids=[str(auth.smartlock_id)],
            allowed_from=local_datetime_text(auth.allowed_from_date, UTC),
            allowed_until=local_datetime_text(auth.allowed_until_date, UTC),
            week_days=[bit for bit, _ in WEEK_DAYS if week_days & bit],
            from_time=clock_text(auth.allowed_from_time),
            until_time=clock_text(auth.allowed_until_time),
        )

    def window(self) -> dict[str, Any]:
        """The time window in UTC under the spec's names; empty fields clear."""
        zone, offset = browser_zone(self.tz_name, self.tz_offset)
        daily = daily_window_to_utc(
            DailyWindow(
                sum(self.week_days) or None,
                parse_clock("allowedFromTime", self.from_time),
                parse_clock("allowedUntilTime", self.until_time),
            ),
            offset,
        )
        return {
            "allowedFromDate": parse_local_datetime("allowedFromDate", self.allowed_from, zone),
            "allowedUntilDate": parse_local_datetime("allowedUntilDate", self.allowed_until, zone),
            "allowedWeekDays": daily.week_days,
            "allowedFromTime": daily.from_time,
            "allowedUntilTime": daily.until_time,
        }

    def creation_body(self) -> dict[str, Any]:
        """``SmartlocksAuthCreate``: an app invite or fob for an account user, or a keypad
        code (type 13) for whoever knows it."""
        body: dict[str, Any] = {
            "name": self.name,
            "type": self.type or None,
            "remoteAllowed": self.remote_allowed,
            "smartlockIds": [_smartlock_id(text) for text in self.smartlock_ids],
            **self.window(),
        }
        if self.type == _KEYPAD_CODE:
            body["code"] = self.code or None
        elif self.account_user_id:
            body["accountUserId"] = self.account_user_id
        return body

    def update_body(self, auth_type: int) -> dict[str, Any]:
        """``SmartlockAuthUpdate`` with every field the form shows, so a cleared one clears."""
        body: dict[str, Any] = {
            "name": self.name,
            "enabled": self.enabled,
            "remoteAllowed": self.remote_allowed,
            **self.window(),
        }
        if auth_type == AuthType.KEYPAD_CODE:
            body["code"] = self.code or None
        return body


def browser_zone(name: str, offset_text: str) -> tuple[tzinfo, timedelta]:
    """The zone dates are read in and the offset of the daily window: the named zone when the
    browser gave one this server knows, else its fixed offset."""
    if not _OFFSET.fullmatch(offset_text):
        raise InvalidParameter("tz_offset", offset_text)
    offset = check_offset(-timedelta(minutes=int(offset_text)))
    if name != UTC_NAME and _ZONE_NAME.fullmatch(name):
        try:
            return ZoneInfo(name), offset
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return (UTC if not offset else timezone(offset)), offset


def _week_days(form: FormData) -> list[int]:
    days = set()
    for value in form.getlist("week_day"):
        if not isinstance(value, str) or value not in _DAY_BITS:
            raise InvalidParameter("allowedWeekDays", str(value)[:20])
        days.add(_DAY_BITS[value])
    return sorted(days, reverse=True)


def _smartlock_id(text: str) -> int | str:
    """A device's number, else the text (refused by the model under the spec's name)."""
    return int(text) if _NUMBER.fullmatch(text) else text
