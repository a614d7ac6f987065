"""Schemas of the Account tag: MyAccount, Account, AccountUpdate, AccountSetting, sub-accounts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import Field

from nukiweb.api.models.common import ApiDateTime, RequestModel, ResponseModel, SmartlockIdValue
from nukiweb.domain import otp
from nukiweb.domain.accounts import Account as AccountRecord


class AccountConfigUpdate(RequestModel):
    """``Account.Config`` as a client sends it. Its ``otpEnabledDate`` is the server's to set,
    when one-time passwords are enabled: one a client sends is ignored."""

    alexaPin: str
    gactionsHomePin: str


class AccountConfig(AccountConfigUpdate):
    otpEnabledDate: ApiDateTime | None = None


class AccountProfile(RequestModel):
    firstName: str = Field(max_length=100)
    lastName: str = Field(max_length=100)
    address: str = Field(max_length=200)
    zip: str = Field(max_length=20)
    city: str = Field(max_length=100)
    country: str = Field(max_length=2)


class Account(ResponseModel):
    accountId: int
    type: int
    email: str
    emailVerified: bool
    name: str
    masterAccountId: int | None = None
    rights: int | None = None
    language: str
    config: AccountConfig | None = None
    profile: AccountProfile | None = None
    creationDate: ApiDateTime
    updateDate: ApiDateTime

    @classmethod
    def of(cls, account: AccountRecord) -> Self:
        # Built without validation: every value comes from the store, which only ever holds
        # validated ones, and GET /account is the hottest read there is.
        return cls.model_construct(
            accountId=account.account_id,
            type=account.type,
            email=account.email,
            emailVerified=account.email_verified,
            name=account.name,
            masterAccountId=account.master_account_id,
            rights=None if account.rights is None else int(account.rights),
            language=account.language,
            config=None if account.config is None else _config(account.config),
            profile=None
            if account.profile is None
            else AccountProfile.model_construct(**account.profile),
            creationDate=account.creation_date,
            updateDate=account.update_date,
        )


def _config(config: dict[str, Any]) -> AccountConfig:
    if otp.ENABLED_DATE in config:  # kept as text in the stored JSON
        config = config | {otp.ENABLED_DATE: otp.enabled_date(config)}
    return AccountConfig.model_construct(**config)


class MyAccount(Account):
    """The spec's MyAccount: an Account as its owner sees it."""


class AccountUpdate(RequestModel):
    email: str | None = None
    password: str | None = None
    name: str | None = None
    language: str
    config: AccountConfigUpdate | None = None
    profile: AccountProfile | None = None


class AccountSubCreate(RequestModel):
    email: str
    password: str
    name: str
    rights: int
    language: str
    profile: AccountProfile | None = None


class AccountSubUpdate(AccountUpdate):
    rights: int | None = None


class DeviceViewType(StrEnum):
    LIST = "LIST"
    TILE = "TILE"


class DeviceSortType(StrEnum):
    FAVOURITES_FIRST = "FAVOURITES_FIRST"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    LAST_ADDED_DESC = "LAST_ADDED_DESC"


class StaleDevice(RequestModel):
    smartlockId: SmartlockIdValue | None = None
    name: str | None = Field(default=None, max_length=100)
    read: bool | None = None


class AccountSettingWeb(RequestModel):
    deviceViewType: DeviceViewType | None = None
    deviceSortType: DeviceSortType | None = None
    nukiClubDismissed: bool | None = None
    removedStaledDevices: list[StaleDevice] | None = Field(default=None, max_length=200)
    markedStaledDevices: list[StaleDevice] | None = Field(default=None, max_length=200)


class AccountSetting(RequestModel):
    web: AccountSettingWeb | None = None


class AccountOtpEnable(RequestModel):
    otp: str = Field(max_length=100)


class AccountEmailChange(RequestModel):
    email: str


class AccountPasswordReset(RequestModel):
    email: str
    # As for POST /account: a new password destroys the API tokens (doc §4.3) unless asked not to.
    deleteApiTokens: bool = True
