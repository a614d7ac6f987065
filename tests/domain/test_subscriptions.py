"""The rules of subscriptions: a period's length, the catalog's import document, and every
state an account's subscription moves through."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nukiweb.domain.errors import Conflict, InvalidParameter
from nukiweb.domain.subscriptions import (
    AccountSubscription,
    Length,
    PaymentType,
    Plan,
    Status,
    Unit,
    activated,
    add_length,
    check_plans,
    checked_out,
    parse_length,
    period_ended,
    start_period,
    terminated,
    text_in,
)
from nukiweb.services.subscriptions import example_plans

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
MONTH = Length(1, Unit.MONTH)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


# --- lengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("30d", Length(30, Unit.DAY)),
        ("1d", Length(1, Unit.DAY)),
        ("2w", Length(2, Unit.WEEK)),
        ("1m", MONTH),
        ("120m", Length(120, Unit.MONTH)),
        ("2y", Length(2, Unit.YEAR)),
        ("10y", Length(10, Unit.YEAR)),
        ("3660d", Length(3660, Unit.DAY)),
    ],
)
def test_lengths_are_a_count_and_a_unit(text: str, length: Length) -> None:
    assert parse_length(text) == length
    assert str(length) == text


@pytest.mark.parametrize(
    "text", ["", "0d", "30", "d", "1M", "1 m", " 1m", "1h", "11y", "121m", "3661d", "-1d", "1.5m"]
)
def test_other_lengths_are_refused(text: str) -> None:
    with pytest.raises(InvalidParameter, match="length"):
        parse_length(text)


def test_lengths_read_as_words() -> None:
    assert Length(1, Unit.MONTH).words == "1 month"
    assert Length(30, Unit.DAY).words == "30 days"


@pytest.mark.parametrize(
    ("start", "length", "end"),
    [
        (at(2026, 1, 31), MONTH, at(2026, 2, 28)),
        (at(2028, 1, 31), MONTH, at(2028, 2, 29)),
        (at(2026, 1, 15), MONTH, at(2026, 2, 15)),
        (at(2026, 12, 31), MONTH, at(2027, 1, 31)),
        (at(2026, 11, 30), Length(3, Unit.MONTH), at(2027, 2, 28)),
        (at(2028, 2, 29), Length(1, Unit.YEAR), at(2029, 2, 28)),
        (at(2028, 2, 29), Length(4, Unit.YEAR), at(2032, 2, 29)),
        (at(2026, 1, 31), Length(30, Unit.DAY), at(2026, 3, 2)),
        (at(2026, 1, 31), Length(2, Unit.WEEK), at(2026, 2, 14)),
    ],
)
def test_months_and_years_are_calendar_ones(start: datetime, length: Length, end: datetime) -> None:
    assert add_length(start, length) == end


def test_the_anchor_day_comes_back_after_a_short_month() -> None:
    assert add_length(at(2026, 2, 28), MONTH, anchor_day=31) == at(2026, 3, 31)
    assert add_length(at(2026, 3, 31), MONTH, anchor_day=31) == at(2026, 4, 30)


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),  # noqa: DTZ001 - hypothesis bounds are naive
    count=st.integers(1, 120),
    unit=st.sampled_from(list(Unit)),
)
def test_a_period_always_ends_after_it_starts_and_keeps_the_time_of_day(
    start: datetime, count: int, unit: Unit
) -> None:
    start = start.replace(tzinfo=UTC)
    length = Length(min(count, 10) if unit is Unit.YEAR else count, unit)
    end = add_length(start, length)
    assert end > start
    assert end.time() == start.time()
    assert end - start <= timedelta(days=3660 + 3)


# --- the catalog's document ------------------------------------------------------------------


def a_plan(**fields: Any) -> dict[str, Any]:
    return {
        "subscriptionId": 7,
        "titles": {"en": " Basic ", "de": "Basis"},
        "descriptions": {"en": "Ten"},
        "quantity": 10,
        "length": "1m",
        "price": 9.9,
    } | fields


def test_a_document_gives_its_plans_in_order() -> None:
    plans = check_plans([a_plan(), a_plan(subscriptionId=8, price=0, available=False)])
    assert plans == [
        Plan(7, {"en": "Basic", "de": "Basis"}, {"en": "Ten"}, 10, "1m", Decimal("9.90")),
        Plan(
            8,
            {"en": "Basic", "de": "Basis"},
            {"en": "Ten"},
            10,
            "1m",
            Decimal("0.00"),
            available=False,
        ),
    ]
    assert plans[1].free
    assert not plans[0].free


def test_a_document_read_back_from_the_api_is_importable() -> None:
    assert check_plans([a_plan(updateDate=1767225600000, giftArticle="Keypad")])[0].gift_article


def test_the_example_plans_have_a_free_and_a_paid_one_clearly_marked() -> None:
    plans = check_plans(example_plans())
    assert {plan.free for plan in plans} == {True, False}
    assert all("(example)" in plan.titles["en"] for plan in plans)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"subscriptionId": 1}, "subscriptions"),
        ([a_plan(), 3], "[1]"),
        ([a_plan(color="red")], "[0].color"),
        ([{k: v for k, v in a_plan().items() if k != "titles"}], "[0].titles"),
        ([a_plan(subscriptionId=0)], "[0].subscriptionId"),
        ([a_plan(subscriptionId=True)], "[0].subscriptionId"),
        ([a_plan(subscriptionId="7")], "[0].subscriptionId"),
        ([a_plan(subscriptionId=2**31)], "[0].subscriptionId"),
        ([a_plan(), a_plan()], "[1].subscriptionId"),
        ([a_plan(titles={})], "[0].titles"),
        ([a_plan(titles={"en": " "})], "[0].titles.en"),
        ([a_plan(titles={"en": 3})], "[0].titles.en"),
        ([a_plan(titles=["Basic"])], "[0].titles"),
        ([a_plan(descriptions={"en": "x" * 2001})], "[0].descriptions.en"),
        ([a_plan(quantity=-1)], "[0].quantity"),
        ([a_plan(quantity=1.5)], "[0].quantity"),
        ([a_plan(length="1h")], "[0].length"),
        ([a_plan(length=30)], "[0].length"),
        ([a_plan(price=-1)], "[0].price"),
        ([a_plan(price=1.234)], "[0].price"),
        ([a_plan(price="9.90")], "[0].price"),
        ([a_plan(price=1e300)], "[0].price"),
        ([a_plan(price=float("nan"))], "[0].price"),
        ([a_plan(price=False)], "[0].price"),
        ([a_plan(giftArticle="g" * 101)], "[0].giftArticle"),
        ([a_plan(available="yes")], "[0].available"),
    ],
)
def test_anything_wrong_refuses_the_whole_document_naming_it(document: Any, named: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_plans(document)
    assert f"'{named}'" in refused.value.message


def test_texts_are_shown_in_english_or_the_first_language() -> None:
    assert text_in({"de": "Basis", "en": "Basic"}, "de") == "Basis"
    assert text_in({"de": "Basis", "en": "Basic"}, "fr") == "Basic"
    assert text_in({"de": "Basis"}) == "Basis"


# --- the states ------------------------------------------------------------------------------

PAID = Plan(1, {"en": "Pro"}, {}, 200, "1m", Decimal("9.90"))
FREE = replace(PAID, subscription_id=2, price=Decimal(0), length="30d")


def paid_checkout() -> AccountSubscription:
    return checked_out("a" * 24, 5, PAID, PaymentType.ACCOUNT, NOW)


def test_a_paid_plan_awaits_the_payment_of_its_first_period() -> None:
    held = paid_checkout()
    assert (held.status, held.period, held.payment_type) == (
        Status.DEACTIVATED,
        0,
        PaymentType.ACCOUNT,
    )
    assert held.start_date is None
    assert held.period_end_date is None
    assert held.next_payment_date == NOW
    assert held.quantity == 200


def test_a_free_plan_is_active_at_checkout_whatever_the_provider() -> None:
    held = checked_out("b" * 24, 5, FREE, PaymentType.CARD, NOW)
    assert (held.status, held.period, held.payment_type) == (Status.ACTIVE, 1, PaymentType.FREE)
    assert held.start_date == NOW
    assert held.period_end_date == NOW + timedelta(days=30)
    assert held.next_payment_date is None


def test_a_plan_not_available_is_not_checked_out() -> None:
    with pytest.raises(Conflict):
        checked_out("c" * 24, 5, replace(PAID, available=False), PaymentType.ACCOUNT, NOW)


def test_a_payment_starts_the_period_from_its_confirmation() -> None:
    later = NOW + timedelta(days=3)
    held = start_period(paid_checkout(), MONTH, later)
    assert (held.status, held.period) == (Status.ACTIVE, 1)
    assert held.start_date == later
    assert held.period_end_date == held.next_payment_date == at(2026, 3, 3)
    with pytest.raises(Conflict):
        start_period(held, MONTH, later)  # already active


def test_nothing_happens_before_the_period_ends_or_when_not_active() -> None:
    held = start_period(paid_checkout(), MONTH, NOW)
    assert held.period_end_date is not None
    assert period_ended(held, MONTH, held.period_end_date - timedelta(seconds=1)) is None
    assert period_ended(paid_checkout(), MONTH, NOW + timedelta(days=400)) is None


def test_a_paid_period_ends_awaiting_the_next_payment() -> None:
    held = start_period(paid_checkout(), MONTH, NOW)
    end = held.period_end_date
    assert end is not None
    ended = period_ended(held, MONTH, end)
    assert ended is not None
    assert ended.payment_due
    assert ended.subscription.status is Status.DEACTIVATED
    assert ended.subscription.period == 1
    assert ended.subscription.next_payment_date == end
    again = start_period(ended.subscription, MONTH, end + timedelta(days=2))
    assert (again.status, again.period, again.start_date) == (Status.ACTIVE, 2, NOW)


def test_a_free_period_renews_back_to_back_on_its_day_of_the_month() -> None:
    held = checked_out("d" * 24, 5, replace(FREE, length="1m"), PaymentType.ACCOUNT, NOW)
    assert held.period_end_date == at(2026, 2, 28)
    ended = period_ended(held, MONTH, at(2026, 2, 28))
    assert ended is not None
    assert not ended.payment_due
    assert (ended.subscription.period, ended.subscription.period_end_date) == (2, at(2026, 3, 31))


def test_a_long_overdue_free_subscription_renews_every_missed_period() -> None:
    held = checked_out("e" * 24, 5, FREE, PaymentType.ACCOUNT, NOW)
    ended = period_ended(held, Length(30, Unit.DAY), NOW + timedelta(days=95))
    assert ended is not None
    assert ended.subscription.period == 4
    assert ended.subscription.period_end_date == NOW + timedelta(days=120)


def test_terminated_runs_to_its_period_end_then_finishes() -> None:
    held = terminated(start_period(paid_checkout(), MONTH, NOW))
    assert (held.status, held.terminated, held.next_payment_date) == (Status.ACTIVE, True, None)
    assert terminated(held) == held
    assert held.period_end_date is not None
    ended = period_ended(held, MONTH, held.period_end_date)
    assert ended is not None
    assert not ended.payment_due
    assert ended.subscription.status is Status.FINISHED
    with pytest.raises(Conflict, match="finished"):
        terminated(ended.subscription)
    with pytest.raises(Conflict, match="finished"):
        activated(ended.subscription, MONTH, next_period_paid=True, now=NOW)


def test_terminating_one_not_active_finishes_it_at_once() -> None:
    held = terminated(paid_checkout())
    assert (held.status, held.terminated, held.next_payment_date) == (Status.FINISHED, True, None)


def test_activate_resumes_a_terminated_one_and_leaves_an_active_one() -> None:
    running = start_period(paid_checkout(), MONTH, NOW)
    assert activated(running, MONTH, next_period_paid=False, now=NOW) == running
    resumed = activated(terminated(running), MONTH, next_period_paid=False, now=NOW)
    assert resumed == running
    free = checked_out("f" * 24, 5, FREE, PaymentType.ACCOUNT, NOW)
    assert activated(terminated(free), MONTH, next_period_paid=False, now=NOW) == free


def test_activate_starts_a_deactivated_one_only_once_its_period_is_paid() -> None:
    with pytest.raises(Conflict, match="awaits the payment"):
        activated(paid_checkout(), MONTH, next_period_paid=False, now=NOW)
    started = activated(paid_checkout(), MONTH, next_period_paid=True, now=NOW)
    assert (started.status, started.period) == (Status.ACTIVE, 1)


@given(
    steps=st.lists(
        st.sampled_from(["pay", "terminate", "activate", "wait"]), min_size=1, max_size=30
    ),
    free=st.booleans(),
)
def test_any_sequence_keeps_the_states_consistent(steps: list[str], free: bool) -> None:
    """Whatever the account and time do: an active subscription has a period running, a
    payment is expected only from one that renews and is not free, a finished one stays
    finished."""
    plan = FREE if free else PAID
    length = plan.period
    held = checked_out("9" * 24, 5, plan, PaymentType.ACCOUNT, NOW)
    moment = NOW
    for step in steps:
        finished_before = held.status is Status.FINISHED
        try:
            if step == "pay":
                held = start_period(held, length, moment)
            elif step == "terminate":
                held = terminated(held)
            elif step == "activate":
                held = activated(held, length, next_period_paid=False, now=moment)
            else:
                moment += timedelta(days=40)
                ended = period_ended(held, length, moment)
                held = held if ended is None else ended.subscription
        except Conflict:
            pass
        assert not finished_before or held.status is Status.FINISHED
        if held.status is Status.ACTIVE:
            assert held.period >= 1
            assert held.period_end_date is not None
            assert held.period_end_date > moment or step != "wait"
        if held.payment_type is PaymentType.FREE or held.status is Status.FINISHED:
            assert held.next_payment_date is None
        if held.terminated and held.status is Status.ACTIVE:
            assert held.next_payment_date is None
