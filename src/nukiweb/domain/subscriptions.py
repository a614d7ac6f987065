"""Subscriptions: the operator's plans (the spec's ``Subscription``), the rules of the document
they are imported from, the length of a period, and what an account holds of a plan (the spec's
``AccountSubscription``) as it moves through its states.

The states, and what moves them (``next_payment_date`` is set only while a payment is expected):

- **checkout** of a plan: a free plan (price 0) is ``active`` at once, period 1, paymentType
  ``free``; any other plan is ``deactivated`` at period 0 with a pending payment for period 1.
- **a payment confirmed** (by its provider; ``manual``: the operator) starts the period it pays
  for: ``active``, from that moment to one length later.
- **the period's end** (the job runner): a terminated subscription is ``finished``; a free one
  renews (the next period follows on without a gap); any other becomes ``deactivated`` with a
  pending payment for the next period, until that payment is confirmed.
- **terminate**: an active subscription runs to its period's end and then finishes (no
  renewal, no payment asked); one that is not active yet or any more (``deactivated``) finishes
  at once, its pending payment cancelled. A finished one cannot be terminated.
- **activate**: resumes a terminated subscription whose period has not ended (it renews again);
  an active one stays as it is; a deactivated one is activated if the payment for its next
  period has been confirmed, and refused while it is still awaited; a finished one is refused
  (check out again).
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from nukiweb.domain.errors import Conflict, InvalidParameter

INT32_MAX = 2**31 - 1
MAX_PRICE = Decimal("9999999999.99")  # subscriptions.price is a NUMERIC(12, 2)
MAX_GIFT_ARTICLE_LENGTH = 100
MAX_TEXTS = 50  # languages per plan
MAX_LANGUAGE_LENGTH = 16
MAX_TEXT_LENGTH = 2000
FIELDS = frozenset(
    {
        "subscriptionId",
        "titles",
        "descriptions",
        "quantity",
        "length",
        "price",
        "giftArticle",
        "available",
        "updateDate",  # set by the import: a document read back from GET /subscription imports
    }
)
_SHOWN_LENGTH = 40


class Status(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    FINISHED = "finished"


class PaymentType(StrEnum):
    FREE = "free"
    PAYPAL = "paypal"
    CARD = "card"
    ACCOUNT = "account"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


# --- the length of a period ------------------------------------------------------------------


class Unit(StrEnum):
    DAY = "d"
    WEEK = "w"
    MONTH = "m"  # calendar months: from the 31st to the last day of a shorter month
    YEAR = "y"  # calendar years: from February 29 to February 28


# At most ten years, whatever the unit.
MAX_COUNT = {Unit.DAY: 3660, Unit.WEEK: 522, Unit.MONTH: 120, Unit.YEAR: 10}
_LENGTH = re.compile(r"([0-9]{1,4})([dwmy])")


@dataclass(frozen=True, slots=True)
class Length:
    count: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    @property
    def words(self) -> str:
        """``1 month``, ``30 days``: as the pages say it."""
        name = {Unit.DAY: "day", Unit.WEEK: "week", Unit.MONTH: "month", Unit.YEAR: "year"}
        return f"{self.count} {name[self.unit]}{'' if self.count == 1 else 's'}"


def parse_length(text: str, parameter: str = "length") -> Length:
    """``30d``, ``2w``, ``1m``, ``2y``: a count of 1 or more and a unit (d days, w weeks, m
    calendar months, y calendar years), ten years at most."""
    found = _LENGTH.fullmatch(text) if isinstance(text, str) else None
    if found is not None:
        count, unit = int(found[1]), Unit(found[2])
        if 1 <= count <= MAX_COUNT[unit]:
            return Length(count, unit)
    raise InvalidParameter(
        parameter,
        _shown(text),
        "A length is a count and a unit: d days, w weeks, m months or y years (e.g. 30d, 1m, "
        "2y), at most ten years.",
    )


def add_length(start: datetime, length: Length, anchor_day: int | None = None) -> datetime:
    """``start`` plus one ``length``. Months and years are calendar ones: the day of the month
    is kept (``anchor_day``, default ``start``'s), or the month's last day when it has fewer."""
    if length.unit is Unit.DAY:
        return start + timedelta(days=length.count)
    if length.unit is Unit.WEEK:
        return start + timedelta(weeks=length.count)
    months = length.count * (12 if length.unit is Unit.YEAR else 1)
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return start.replace(year=year, month=month + 1, day=min(anchor_day or start.day, last_day))


# --- the catalog -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """A subscription plan of the operator's catalog."""

    subscription_id: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    quantity: int
    length: str
    price: Decimal
    gift_article: str | None = None
    available: bool = True
    update_date: datetime | None = None

    @property
    def free(self) -> bool:
        return self.price == 0

    @property
    def period(self) -> Length:
        return parse_length(self.length)

    def same_terms(self, other: Plan) -> bool:
        """Whether ``other`` says the same as this plan (its update date aside)."""
        return replace(self, update_date=None) == replace(other, update_date=None)


def text_in(texts: dict[str, str], language: str = "en") -> str:
    """The text in ``language``, else in English, else in the first language there is."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def check_plans(document: Any) -> list[Plan]:
    """The plans of an imported document, in its order; refuses the whole document, naming the
    index and the field, at the first thing wrong in it."""
    if not isinstance(document, list):
        raise InvalidParameter(
            "subscriptions",
            _shown(document),
            "The document must be a JSON array of the spec's Subscription objects.",
        )
    plans = [_plan(index, item) for index, item in enumerate(document)]
    seen: set[int] = set()
    for index, plan in enumerate(plans):
        if plan.subscription_id in seen:
            raise InvalidParameter(
                f"[{index}].subscriptionId",
                plan.subscription_id,
                "Another entry of the document has this subscriptionId.",
            )
        seen.add(plan.subscription_id)
    return plans


def _plan(index: int, item: Any) -> Plan:
    where = f"[{index}]"
    if not isinstance(item, dict):
        raise InvalidParameter(where, _shown(item), "A subscription is a JSON object.")
    unknown = sorted(str(key) for key in item if key not in FIELDS)
    if unknown:
        raise InvalidParameter(
            f"{where}.{unknown[0]}", _shown(item[unknown[0]]), "Unknown field of a Subscription."
        )
    for field in ("subscriptionId", "titles", "descriptions", "quantity", "length", "price"):
        if field not in item:
            raise InvalidParameter(f"{where}.{field}", "(missing)", "Every subscription has it.")
    available = item.get("available", True)
    if not isinstance(available, bool):
        raise InvalidParameter(f"{where}.available", _shown(available), "It must be true or false.")
    return Plan(
        subscription_id=_integer(f"{where}.subscriptionId", item["subscriptionId"], 1),
        titles=_texts(f"{where}.titles", item["titles"], required=True),
        descriptions=_texts(f"{where}.descriptions", item["descriptions"], required=False),
        quantity=_integer(f"{where}.quantity", item["quantity"], 0),
        length=str(parse_length(item["length"], f"{where}.length")),
        price=_price(f"{where}.price", item["price"]),
        gift_article=_gift_article(f"{where}.giftArticle", item.get("giftArticle")),
        available=available,
    )


def _integer(parameter: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= INT32_MAX:
        raise InvalidParameter(
            parameter, _shown(value), f"It must be an integer from {minimum} to {INT32_MAX}."
        )
    return value


def _texts(parameter: str, value: Any, *, required: bool) -> dict[str, str]:
    reason = (
        f'It must be an object of texts by language ({{"en": "..."}}), at most {MAX_TEXTS} '
        f"languages of texts of at most {MAX_TEXT_LENGTH} characters"
        + (", with at least one title." if required else ".")
    )
    if not isinstance(value, dict) or len(value) > MAX_TEXTS or (required and not value):
        raise InvalidParameter(parameter, _shown(value), reason)
    texts: dict[str, str] = {}
    for language, text in value.items():
        if not (0 < len(language) <= MAX_LANGUAGE_LENGTH) or not isinstance(text, str):
            raise InvalidParameter(f"{parameter}.{language}", _shown(text), reason)
        if len(text) > MAX_TEXT_LENGTH or (required and not text.strip()):
            raise InvalidParameter(f"{parameter}.{language}", _shown(text), reason)
        texts[language] = text.strip()
    return texts


def _price(parameter: str, value: Any) -> Decimal:
    reason = f"It must be a number from 0 to {MAX_PRICE} with at most two decimals."
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameter(parameter, _shown(value), reason)
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise InvalidParameter(parameter, _shown(value), reason) from None
    if (
        not price.is_finite()
        or not 0 <= price <= MAX_PRICE
        or price != price.quantize(Decimal("0.01"))
    ):
        raise InvalidParameter(parameter, _shown(value), reason)
    return price.quantize(Decimal("0.01"))


def _gift_article(parameter: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_GIFT_ARTICLE_LENGTH:
        raise InvalidParameter(
            parameter,
            _shown(value),
            f"It must be text of at most {MAX_GIFT_ARTICLE_LENGTH} characters.",
        )
    return value.strip() or None


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "..."


# --- what an account holds -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSubscription:
    id: str
    account_id: int
    subscription_id: int
    period: int
    """The number of the latest period started (0 before the first one)."""
    payment_type: PaymentType
    quantity: int
    status: Status
    creation_date: datetime
    start_date: datetime | None = None
    """When its first period started."""
    period_end_date: datetime | None = None
    next_payment_date: datetime | None = None
    terminated: bool = False
    gift_article: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """What checkout or a period's end asks to be paid for one period."""

    id: str
    account_subscription_id: str
    provider: str
    period: int
    amount: Decimal
    status: PaymentStatus
    creation_date: datetime
    paid_date: datetime | None = None


def checked_out(
    subscription_id: str,
    account_id: int,
    plan: Plan,
    payment_type: PaymentType,
    now: datetime,
) -> AccountSubscription:
    """A new subscription of ``plan``: active at once if the plan is free, else awaiting the
    payment of its first period (``payment_type``: how its provider is paid)."""
    if not plan.available:
        raise Conflict(f"The subscription {plan.subscription_id} is not available any more.")
    held = AccountSubscription(
        id=subscription_id,
        account_id=account_id,
        subscription_id=plan.subscription_id,
        period=0,
        payment_type=PaymentType.FREE if plan.free else payment_type,
        quantity=plan.quantity,
        status=Status.DEACTIVATED,
        creation_date=now,
        next_payment_date=None if plan.free else now,
        gift_article=plan.gift_article,
    )
    return start_period(held, plan.period, now) if plan.free else held


def start_period(held: AccountSubscription, length: Length, now: datetime) -> AccountSubscription:
    """The next period, paid for (or free), starting now."""
    if held.status is not Status.DEACTIVATED:
        raise Conflict(f"The subscription '{held.id}' is {held.status}: no period to start.")
    end = add_length(now, length)
    return replace(
        held,
        status=Status.ACTIVE,
        period=held.period + 1,
        start_date=held.start_date or now,
        period_end_date=end,
        next_payment_date=None if held.payment_type is PaymentType.FREE else end,
        terminated=False,
    )


@dataclass(frozen=True, slots=True)
class PeriodEnd:
    subscription: AccountSubscription
    payment_due: bool
    """Whether a payment for the next period is now asked."""


def period_ended(held: AccountSubscription, length: Length, now: datetime) -> PeriodEnd | None:
    """What the end of the running period makes of ``held``; ``None`` when nothing changes
    (not active, or its period has not ended by ``now``)."""
    end = held.period_end_date
    if held.status is not Status.ACTIVE or end is None or now < end:
        return None
    if held.terminated:
        return PeriodEnd(
            replace(held, status=Status.FINISHED, next_payment_date=None), payment_due=False
        )
    if held.payment_type is PaymentType.FREE:
        # Back to back from the first period's start, on its day of the month.
        # Long overdue (the server was down for periods): each missed period renews in turn.
        anchor = held.start_date.day if held.start_date else None
        period = held.period
        while end <= now:
            end, period = add_length(end, length, anchor), period + 1
        return PeriodEnd(replace(held, period=period, period_end_date=end), payment_due=False)
    return PeriodEnd(
        replace(held, status=Status.DEACTIVATED, next_payment_date=end), payment_due=True
    )


def terminated(held: AccountSubscription) -> AccountSubscription:
    """Terminated by its account: an active one runs to its period's end, any other not
    finished finishes now (cancel its pending payment)."""
    if held.status is Status.FINISHED:
        raise Conflict(f"The subscription '{held.id}' is finished already.")
    if held.status is Status.ACTIVE:
        return replace(held, terminated=True, next_payment_date=None)
    return replace(held, status=Status.FINISHED, terminated=True, next_payment_date=None)


def activated(
    held: AccountSubscription, length: Length, next_period_paid: bool, now: datetime
) -> AccountSubscription:
    """Activated by its account: see the module's description."""
    if held.status is Status.FINISHED:
        raise Conflict(
            f"The subscription '{held.id}' is finished: check out its plan again to resume it."
        )
    if held.status is Status.ACTIVE:
        if not held.terminated:
            return held
        next_payment = None if held.payment_type is PaymentType.FREE else held.period_end_date
        return replace(held, terminated=False, next_payment_date=next_payment)
    if not next_period_paid:
        raise Conflict(
            f"The subscription '{held.id}' awaits the payment of its next period: it is "
            "activated once that payment is confirmed."
        )
    return start_period(held, length, now)
