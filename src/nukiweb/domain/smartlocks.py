"""Bridges, devices and activity-log entries as the services handle them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nukiweb.domain.devices import DeviceType


@dataclass(frozen=True, slots=True)
class Bridge:
    bridge_id: int
    account_id: int
    name: str
    kind: str
    online: bool
    firmware_version: str
    creation_date: datetime


@dataclass(frozen=True, slots=True)
class Device:
    """A smart lock, box, opener or smart door as the store keeps it."""

    smartlock_id: int
    account_id: int
    bridge_id: int
    type: DeviceType
    name: str
    favorite: bool
    auth_id: int
    firmware_version: int
    hardware_version: int
    server_state: int
    admin_pin_state: int
    config: dict[str, Any]
    advanced_config: dict[str, Any] | None
    opener_advanced_config: dict[str, Any] | None
    smartdoor_advanced_config: dict[str, Any] | None
    web_config: dict[str, Any]
    mechanics: dict[str, Any]
    operation_id: str | None
    error: str | None
    creation_date: datetime
    update_date: datetime


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of a device's activity log (``SmartlockLog``)."""

    id: str
    account_id: int
    smartlock_id: int
    device_type: int
    name: str
    action: int
    trigger: int
    state: int
    date: datetime
    auto_unlock: bool = False
    account_user_id: int | None = None
    auth_id: str | None = None
    source: int | None = None
    opener_log: dict[str, Any] | None = None
    ajar_timeout: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Filters of ``GET /smartlock/log`` and ``GET /smartlock/{id}/log``."""

    smartlock_id: int | None = None
    account_user_id: int | None = None
    auth_id: str | None = None
    from_date: datetime | None = None
    to_date: datetime | None = None
    action: int | None = None
    before_id: str | None = None
    limit: int = 20


@dataclass(frozen=True, slots=True)
class AccountUser:
    """A person authorizations are issued to (tag AccountUser)."""

    account_user_id: int
    account_id: int
    type: int
    email: str
    name: str
    language: str
    operation_id: str | None
    creation_date: datetime
    update_date: datetime


# The fields of an authorization that the device itself stores and enforces (its keypad code
# too, which the store keeps as a digest: store.keypad_codes).
DEVICE_COPY_FIELDS = (
    "enabled",
    "remote_allowed",
    "allowed_from_date",
    "allowed_until_date",
    "allowed_week_days",
    "allowed_from_time",
    "allowed_until_time",
)


@dataclass(frozen=True, slots=True)
class Authorization:
    """An authorization on a device (``SmartlockAuth``)."""

    id: str
    account_id: int
    smartlock_id: int
    auth_id: int
    account_user_id: int | None
    type: int
    name: str
    code: int | None
    enabled: bool
    remote_allowed: bool
    smart_actions_enabled: bool
    lock_count: int
    allowed_from_date: datetime | None
    allowed_until_date: datetime | None
    allowed_week_days: int | None
    allowed_from_time: int | None
    allowed_until_time: int | None
    last_active_date: datetime | None
    device_copy: dict[str, Any] | None
    """What the device holds: the values it last confirmed (``DEVICE_COPY_FIELDS`` and the
    keypad code's ``code_digest``)."""
    pending: str | None
    operation_id: str | None
    error: str | None
    request_id: str | None
    creation_date: datetime
    update_date: datetime
    reservation_id: str | None = None
    """The reservation whose guest it admits, when short-rental automation issued it."""
    address_token_id: str | None = None
    """The address token whose redemption issued it."""
