"""Schemas of the Address, AddressReservation, AddressToken and Service tags."""

from __future__ import annotations

from typing import Any

from nukiweb.api.models.common import ApiDateTime, Int64, RequestModel, ResponseModel
from nukiweb.domain.short_rental import Address as AddressRecord
from nukiweb.services.address_tokens import AddressToken as AddressTokenRecord
from nukiweb.services.address_tokens import AddressTokenInfo as AddressTokenInfoRecord
from nukiweb.services.addresses import Unit
from nukiweb.services.booking_services import LinkedFeed
from nukiweb.services.booking_services import Service as ServiceRecord
from nukiweb.services.reservations import ShownReservation


class Address(ResponseModel):
    addressId: int
    accountId: int
    name: str
    smartlockIds: list[int]
    serviceId: str | None = None
    timeZone: str
    checkInTime: int
    checkOutTime: int
    settings: dict[str, Any] | None = None
    creationDate: ApiDateTime
    updateDate: ApiDateTime

    @classmethod
    def of(cls, address: AddressRecord) -> Address:
        return cls(
            addressId=address.address_id,
            accountId=address.account_id,
            name=address.name,
            smartlockIds=list(address.smartlock_ids),
            serviceId=address.service_id,
            timeZone=address.time_zone,
            checkInTime=address.check_in_time,
            checkOutTime=address.check_out_time,
            settings=address.settings,
            creationDate=address.creation_date,
            updateDate=address.update_date,
        )


class AddressCreate(RequestModel):
    """The spec's ``AddressCreate``, and what nukiweb's automation needs of an address (its
    time zone, check-in and check-out times: optional, with defaults)."""

    name: str
    smartlockIds: list[Int64]
    timeZone: str | None = None
    checkInTime: Int64 | None = None
    checkOutTime: Int64 | None = None
    settings: dict[str, Any] | None = None


class AddressUpdate(RequestModel):
    name: str | None = None
    smartlockIds: list[Int64] | None = None
    timeZone: str | None = None
    checkInTime: Int64 | None = None
    checkOutTime: Int64 | None = None
    settings: dict[str, Any] | None = None


class AddressUnit(RequestModel):
    name: str


class AddressUnitResponse(ResponseModel):
    id: str
    name: str
    addressId: int
    addressTokenId: str
    operationId: str | None = None
    creationDate: ApiDateTime
    # The spec requires it; an unredeemed token's unit has none to show: null.
    redeemDate: ApiDateTime | None
    redeemResult: str | None = None

    @classmethod
    def of(cls, unit: Unit) -> AddressUnitResponse:
        return cls(
            id=unit.id,
            name=unit.name,
            addressId=unit.address_id,
            addressTokenId=unit.address_token_id,
            operationId=unit.operation_id,
            creationDate=unit.creation_date,
            redeemDate=unit.redeem_date,
            redeemResult=unit.redeem_result,
        )


class AddressToken(ResponseModel):
    id: str
    addressId: int
    creationDate: ApiDateTime
    redeemDate: ApiDateTime | None
    redeemAccountId: int | None
    inviteKeys: list[str] | None = None
    redeemResult: str | None = None

    @classmethod
    def of(cls, token: AddressTokenRecord) -> AddressToken:
        return cls(
            id=token.id,
            addressId=token.address_id,
            creationDate=token.creation_date,
            redeemDate=token.redeem_date,
            redeemAccountId=token.redeem_account_id,
            inviteKeys=token.invite_keys,
            redeemResult=token.redeem_result,
        )


class AddressTokenInfo(ResponseModel):
    id: str
    addressName: str
    smartlockNames: list[str]

    @classmethod
    def of(cls, info: AddressTokenInfoRecord) -> AddressTokenInfo:
        return cls(id=info.id, addressName=info.address_name, smartlockNames=info.smartlock_names)


class AddressReservation(ResponseModel):
    id: str
    addressId: int
    accountId: int
    # Required by the spec: empty when the booking's source gave none.
    email: str
    name: str
    guests: int
    guestsIssued: int
    keypadIssued: bool
    state: str
    serviceId: str | None = None
    reference: str | None = None
    automation: int
    startDate: ApiDateTime
    endDate: ApiDateTime
    updateDate: ApiDateTime
    isCurrentlyIssuingAuth: bool
    isCurrentlyRevokingAuth: bool
    hasCustomAccessTimes: bool
    currentlyIssuingAuth: bool
    currentlyRevokingAuth: bool

    @classmethod
    def of(cls, shown: ShownReservation) -> AddressReservation:
        reservation = shown.reservation
        return cls(
            id=reservation.id,
            addressId=reservation.address_id,
            accountId=reservation.account_id,
            email=reservation.email or "",
            name=reservation.name,
            guests=reservation.guests,
            guestsIssued=shown.guests_issued,
            keypadIssued=shown.keypad_issued,
            state=str(reservation.state),
            serviceId=reservation.service_id,
            reference=reservation.reference,
            automation=int(reservation.automation),
            startDate=shown.window.starts,
            endDate=shown.window.ends,
            updateDate=reservation.update_date,
            isCurrentlyIssuingAuth=shown.issuing,
            isCurrentlyRevokingAuth=shown.revoking,
            hasCustomAccessTimes=reservation.has_custom_access_times,
            currentlyIssuingAuth=shown.issuing,
            currentlyRevokingAuth=shown.revoking,
        )


class ReservationAccessTimesUpdate(RequestModel):
    checkInTime: Int64 | None = None
    checkOutTime: Int64 | None = None


class LinkedListing(ResponseModel):
    """nukiweb's addition to ``Service``: a listing's feed linked to an address."""

    addressId: int
    host: str
    syncDate: ApiDateTime | None = None
    syncError: str | None = None

    @classmethod
    def of(cls, feed: LinkedFeed) -> LinkedListing:
        return cls(
            addressId=feed.address_id,
            host=feed.host,
            syncDate=feed.sync_date,
            syncError=feed.sync_error,
        )


class Service(ResponseModel):
    """The spec's ``Service`` (``enabled``, ``started``, ``stopped``: its framework's fields,
    answered for what they say) and what a user needs: which service, whether linked, and each
    linked listing's last sync."""

    id: str
    name: str
    linked: bool
    enabled: bool
    started: bool
    stopped: bool
    listings: list[LinkedListing]

    @classmethod
    def of(cls, service: ServiceRecord) -> Service:
        return cls(
            id=service.id,
            name=service.name,
            linked=service.linked,
            enabled=True,
            started=service.linked,
            stopped=not service.linked,
            listings=[LinkedListing.of(feed) for feed in service.feeds],
        )
