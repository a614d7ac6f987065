"""Schemas of the Subscription and AccountSubscription tags. Their dates are int64 epoch
milliseconds, as the spec types them (unlike the ISO dates of most other schemas)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import PlainSerializer

from nukiweb.api.models.common import ResponseModel
from nukiweb.domain.subscriptions import AccountSubscription as Held
from nukiweb.domain.subscriptions import Plan

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(milliseconds=1)


EpochMillis = Annotated[datetime, PlainSerializer(epoch_millis, return_type=int)]


class Subscription(ResponseModel):
    subscriptionId: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    quantity: int
    length: str
    price: float
    giftArticle: str | None = None
    available: bool
    updateDate: EpochMillis | None = None

    @classmethod
    def of(cls, plan: Plan) -> Subscription:
        return cls(
            subscriptionId=plan.subscription_id,
            titles=plan.titles,
            descriptions=plan.descriptions,
            quantity=plan.quantity,
            length=plan.length,
            price=float(plan.price),
            giftArticle=plan.gift_article,
            available=plan.available,
            updateDate=plan.update_date,
        )


class AccountSubscription(ResponseModel):
    id: str
    accountId: int
    subscriptionId: int
    period: int
    paymentType: Literal["free", "paypal", "card", "account"]
    quantity: int
    giftArticle: str | None = None
    status: Literal["active", "deactivated", "finished"]
    startDate: EpochMillis | None = None
    periodEndDate: EpochMillis | None = None
    nextPaymentDate: EpochMillis | None = None

    @classmethod
    def of(cls, held: Held) -> AccountSubscription:
        return cls(
            id=held.id,
            accountId=held.account_id,
            subscriptionId=held.subscription_id,
            period=held.period,
            paymentType=held.payment_type.value,
            quantity=held.quantity,
            giftArticle=held.gift_article,
            status=held.status.value,
            startDate=held.start_date,
            periodEndDate=held.period_end_date,
            nextPaymentDate=held.next_payment_date,
        )
