"""Schemas of the SmartlockAuth and AccountUser tags."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from nukiweb.api.models.common import ApiDateTime, RequestModel, ResponseModel, SmartlockIdValue
from nukiweb.domain.smartlocks import AccountUser as AccountUserRecord
from nukiweb.domain.smartlocks import Authorization

Int32 = Annotated[int, Field(ge=0, le=2**31 - 1)]
WeekDays = Annotated[int, Field(ge=0, le=127)]
MinuteOfDay = Annotated[int, Field(ge=0, le=1439)]
Name = Annotated[str, Field(max_length=100)]


class SmartlockAuth(ResponseModel):
    id: str
    smartlockId: int
    accountUserId: int | None = None
    authId: int | None = None
    code: int | None = None
    type: int
    name: str
    enabled: bool
    remoteAllowed: bool
    lockCount: int
    allowedFromDate: ApiDateTime | None = None
    allowedUntilDate: ApiDateTime | None = None
    allowedWeekDays: int | None = None
    allowedFromTime: int | None = None
    allowedUntilTime: int | None = None
    lastActiveDate: ApiDateTime | None = None
    creationDate: ApiDateTime | None = None
    updateDate: ApiDateTime | None = None
    operationId: str | None = None
    error: str | None = None

    @classmethod
    def of(cls, auth: Authorization) -> SmartlockAuth:
        return cls(
            id=auth.id,
            smartlockId=auth.smartlock_id,
            accountUserId=auth.account_user_id,
            authId=auth.auth_id,
            code=auth.code,
            type=auth.type,
            name=auth.name,
            enabled=auth.enabled,
            remoteAllowed=auth.remote_allowed,
            lockCount=auth.lock_count,
            allowedFromDate=auth.allowed_from_date,
            allowedUntilDate=auth.allowed_until_date,
            allowedWeekDays=auth.allowed_week_days,
            allowedFromTime=auth.allowed_from_time,
            allowedUntilTime=auth.allowed_until_time,
            lastActiveDate=auth.last_active_date,
            creationDate=auth.creation_date,
            updateDate=auth.update_date,
            operationId=auth.operation_id,
            error=auth.error,
        )


class _Window(RequestModel):
    allowedFromDate: ApiDateTime | None = None
    allowedUntilDate: ApiDateTime | None = None
    allowedWeekDays: WeekDays | None = None
    allowedFromTime: MinuteOfDay | None = None
    allowedUntilTime: MinuteOfDay | None = None


class SmartlockAuthCreate(_Window):
    name: Name
    accountUserId: Int32 | None = None
    remoteAllowed: bool
    smartActionsEnabled: bool | None = None
    type: int | None = None
    code: int | str | None = None


class SmartlocksAuthCreate(SmartlockAuthCreate):
    smartlockIds: list[SmartlockIdValue] = Field(min_length=1, max_length=1000)


class SmartlockAuthUpdate(_Window):
    name: Name | None = None
    accountUserId: Int32 | None = None
    enabled: bool | None = None
    remoteAllowed: bool | None = None
    code: int | str | None = None


class SmartlockAuthMultiUpdate(SmartlockAuthUpdate):
    id: Annotated[str, Field(max_length=24)]


class SmartlockAuthWithSharedKeyCreate(_Window):
    name: Name
    accountUserId: Int32 | None = None


class AccountUser(ResponseModel):
    accountUserId: int
    accountId: int
    type: int | None = None
    email: str
    name: str
    language: str | None = None
    operationId: str | None = None
    creationDate: ApiDateTime
    updateDate: ApiDateTime

    @classmethod
    def of(cls, user: AccountUserRecord) -> AccountUser:
        return cls(
            accountUserId=user.account_user_id,
            accountId=user.account_id,
            type=user.type,
            email=user.email,
            name=user.name,
            language=user.language,
            operationId=user.operation_id,
            creationDate=user.creation_date,
            updateDate=user.update_date,
        )


class AccountUserCreate(RequestModel):
    type: Annotated[int, Field(ge=0, le=1)] | None = None
    email: Annotated[str, Field(max_length=254)]
    name: Name
    language: str | None = None


class AccountUserUpdate(RequestModel):
    email: Annotated[str, Field(max_length=254)] | None = None
    name: Name | None = None
    language: str | None = None
