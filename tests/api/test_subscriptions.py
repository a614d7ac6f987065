"""Tags Subscription and AccountSubscription over HTTP: the operator's plans, checkout (the
service the checkout page calls), the payment the operator confirms, terminate and activate,
and the period ends the job runner enforces as simulated time passes."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nukiweb.domain.errors import Conflict, InvalidParameter, NotFound
from nukiweb.domain.identity import acting_for
from nukiweb.domain.scopes import Scope
from nukiweb.domain.subscriptions import PaymentStatus
from nukiweb.services import subscriptions
from nukiweb.store import subscriptions as store
from tests.api.test_sub_accounts import create_sub, sub_client
from tests.devices import advance
from tests.support import AccountFixture, ApiClient, RunningServer

DAY = 24 * 3600.0


def plan_id() -> int:
    """A plan of the test's own: the catalog is the same for every test of the server."""
    return 1_000_000 + secrets.randbelow(2**31 - 1_000_001)


def a_plan(subscription_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "subscriptionId": subscription_id,
        "titles": {"en": f"Plan {subscription_id} (test)", "de": "Plan (Test)"},
        "descriptions": {"en": "For the tests."},
        "quantity": 25,
        "length": "30d",
        "price": 4.5,
        "available": True,
    } | fields


def imported(server: RunningServer, *plans: dict[str, Any]) -> list[int]:
    subscriptions.import_plans(server.ctx, list(plans))
    return [plan["subscriptionId"] for plan in plans]


def now(api: ApiClient) -> datetime:
    return datetime.fromisoformat(api.get("/simulator/clock").json()["now"])


def millis(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def checkout(account: AccountFixture, subscription_id: int) -> tuple[str, str | None]:
    """Checks out the plan as the checkout page does: the subscription's id and its pending
    payment's."""
    held, payment = subscriptions.checkout(
        account.api.server.ctx, acting_for(account.account_id, "test"), subscription_id
    )
    return held.id, None if payment is None else payment.id


def held(account: AccountFixture, held_id: str) -> dict[str, Any]:
    response = account.api.get("/app/account/subscription")
    assert response.status_code == 200, response.text
    found = [each for each in response.json() if each["id"] == held_id]
    assert len(found) == 1, response.json()
    return found[0]


def payment_status(account: AccountFixture, payment_id: str) -> PaymentStatus:
    with account.api.server.ctx.db.read() as conn:
        payment = store.get_payment(conn, payment_id)
    assert payment is not None
    return payment.status


def pending_payments(account: AccountFixture, held_id: str) -> list[str]:
    with account.api.server.ctx.db.read() as conn:
        return [
            payment.id
            for payment in store.payments_of(conn, [held_id])
            if payment.status is PaymentStatus.PENDING
        ]


# --- the plans -------------------------------------------------------------------------------


def test_the_imported_plans_are_listed_and_read_one_by_one(account: AccountFixture) -> None:
    first, second = plan_id(), plan_id()
    imported(
        account.api.server,
        a_plan(first, giftArticle="Keypad (test)"),
        a_plan(second, price=0, length="1y", available=False),
    )
    response = account.api.get("/subscription")
    assert response.status_code == 200, response.text
    listed = {plan["subscriptionId"]: plan for plan in response.json()}
    ids = [plan["subscriptionId"] for plan in response.json()]
    assert ids == sorted(ids)
    moment = millis(now(account.api))
    assert listed[first] == a_plan(first, giftArticle="Keypad (test)", updateDate=moment)
    assert listed[second] == a_plan(second, price=0, length="1y", available=False) | {
        "updateDate": moment
    }
    one = account.api.get(f"/subscription/{second}")
    assert one.status_code == 200, one.text
    assert one.json() == listed[second]


def test_an_unknown_plan_is_not_found(account: AccountFixture) -> None:
    response = account.api.get("/subscription/2147483000")
    assert response.status_code == 404, response.text
    assert account.api.get("/subscription/abc").status_code == 400


def test_a_reimport_updates_by_subscription_id_and_a_refused_one_changes_nothing(
    account: AccountFixture,
) -> None:
    kept, changed = plan_id(), plan_id()
    imported(account.api.server, a_plan(kept), a_plan(changed))
    before = account.api.get(f"/subscription/{kept}").json()
    advance(account.api, 60)
    imported(account.api.server, a_plan(kept), a_plan(changed, price=7, quantity=30))
    assert account.api.get(f"/subscription/{kept}").json() == before  # same terms, same date
    after = account.api.get(f"/subscription/{changed}").json()
    assert (after["price"], after["quantity"]) == (7, 30)
    assert after["updateDate"] == before["updateDate"] + 60_000
    with pytest.raises(InvalidParameter, match=r"\[1\]\.length"):
        imported(account.api.server, a_plan(kept, price=1), a_plan(changed, length="3x"))
    assert account.api.get(f"/subscription/{kept}").json() == before


def test_plans_need_the_account_scope(account: AccountFixture) -> None:
    client = account.client_with(Scope.SMARTLOCK)
    assert client.get("/subscription").status_code == 401
    assert client.get("/app/account/subscription").status_code == 401
    assert client.post("/account/subscription/pay").status_code == 401


# --- checkout and payment --------------------------------------------------------------------


def test_pay_answers_the_checkout_pages_url(account: AccountFixture) -> None:
    response = account.api.post("/account/subscription/pay")
    assert response.status_code == 200, response.text
    assert response.json() == f"{account.api.server.base_url}/web/account/subscriptions/checkout"
    assert account.api.get("/app/account/subscription").json() == []  # nothing made by it


def test_a_free_plan_is_active_at_checkout_and_renews_at_its_period_end(
    account: AccountFixture,
) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0, length="10d"))
    start = now(account.api)
    held_id, payment_id = checkout(account, free)
    assert payment_id is None
    end = start + timedelta(days=10)
    assert held(account, held_id) == {
        "id": held_id,
        "accountId": account.account_id,
        "subscriptionId": free,
        "period": 1,
        "paymentType": "free",
        "quantity": 25,
        "status": "active",
        "startDate": millis(start),
        "periodEndDate": millis(end),
    }
    advance(account.api, 10 * DAY)
    renewed = held(account, held_id)
    assert (renewed["status"], renewed["period"]) == ("active", 2)
    assert renewed["periodEndDate"] == millis(end + timedelta(days=10))
    assert renewed["startDate"] == millis(start)
    advance(account.api, 10 * DAY)
    again = held(account, held_id)
    assert (again["status"], again["period"]) == ("active", 3)
    assert again["periodEndDate"] == millis(end + timedelta(days=20))


def test_a_paid_plan_waits_for_its_payment_and_asks_again_at_its_period_end(
    account: AccountFixture,
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id(), length="7d"))
    checked_out = now(account.api)
    held_id, payment_id = checkout(account, paid)
    assert payment_id is not None
    awaiting = held(account, held_id)
    assert awaiting["status"] == "deactivated"
    assert awaiting["period"] == 0
    assert awaiting["paymentType"] == "account"
    assert awaiting["nextPaymentDate"] == millis(checked_out)
    assert "startDate" not in awaiting
    assert "periodEndDate" not in awaiting

    advance(account.api, 3600)
    paid_at = now(account.api)
    subscriptions.confirm_payment(account.api.server.ctx, payment_id)
    assert payment_status(account, payment_id) is PaymentStatus.PAID
    active = held(account, held_id)
    end = paid_at + timedelta(days=7)
    assert (active["status"], active["period"]) == ("active", 1)
    assert active["startDate"] == millis(paid_at)
    assert active["periodEndDate"] == active["nextPaymentDate"] == millis(end)

    advance(account.api, 7 * DAY)
    lapsed = held(account, held_id)
    assert (lapsed["status"], lapsed["period"]) == ("deactivated", 1)
    assert lapsed["nextPaymentDate"] == millis(end)
    (renewal,) = pending_payments(account, held_id)
    with pytest.raises(Conflict):
        subscriptions.confirm_payment(account.api.server.ctx, payment_id)  # paid already
    subscriptions.confirm_payment(account.api.server.ctx, renewal)
    again = held(account, held_id)
    assert (again["status"], again["period"]) == ("active", 2)
    assert again["startDate"] == millis(paid_at)  # the first period's start stays


def test_a_plan_is_held_once_at_a_time_and_only_while_available(account: AccountFixture) -> None:
    on_offer, withdrawn = imported(
        account.api.server, a_plan(plan_id()), a_plan(plan_id(), available=False)
    )
    ctx, caller = account.api.server.ctx, acting_for(account.account_id, "test")
    checkout(account, on_offer)
    with pytest.raises(Conflict, match="holds the subscription"):
        subscriptions.checkout(ctx, caller, on_offer)
    with pytest.raises(Conflict, match="not available"):
        subscriptions.checkout(ctx, caller, withdrawn)
    with pytest.raises(NotFound):
        subscriptions.checkout(ctx, caller, 2147483001)
    assert len(account.api.get("/app/account/subscription").json()) == 1


def test_an_unknown_payment_cannot_be_confirmed(account: AccountFixture) -> None:
    with pytest.raises(NotFound):
        subscriptions.confirm_payment(account.api.server.ctx, "0" * 24)


# --- terminate and activate ------------------------------------------------------------------


def test_a_terminated_subscription_runs_to_its_period_end_then_finishes(
    account: AccountFixture,
) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0, length="2d"))
    held_id, _ = checkout(account, free)
    response = account.api.post(f"/account/subscription/{held_id}/terminate")
    assert response.status_code == 204, response.text
    assert held(account, held_id)["status"] == "active"
    advance(account.api, 2 * DAY)
    finished = held(account, held_id)
    assert (finished["status"], finished["period"]) == ("finished", 1)
    for action in ("activate", "terminate"):
        refused = account.api.post(f"/account/subscription/{held_id}/{action}")
        assert refused.status_code == 409, refused.text
        assert "finished" in refused.json()["detailMessage"]
    checkout(account, free)  # a finished one does not stop a new checkout


def test_activate_resumes_a_terminated_subscription_before_its_period_ends(
    account: AccountFixture,
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id(), length="2d"))
    held_id, payment_id = checkout(account, paid)
    assert payment_id is not None
    subscriptions.confirm_payment(account.api.server.ctx, payment_id)
    assert account.api.post(f"/account/subscription/{held_id}/terminate").status_code == 204
    assert "nextPaymentDate" not in held(account, held_id)
    assert account.api.post(f"/account/subscription/{held_id}/terminate").status_code == 204
    response = account.api.post(f"/account/subscription/{held_id}/activate")
    assert response.status_code == 204, response.text
    resumed = held(account, held_id)
    assert resumed["nextPaymentDate"] == resumed["periodEndDate"]
    assert account.api.post(f"/account/subscription/{held_id}/activate").status_code == 204
    advance(account.api, 2 * DAY)
    assert held(account, held_id)["status"] == "deactivated"  # renewed: a payment is asked
    assert len(pending_payments(account, held_id)) == 1


def test_a_subscription_awaiting_payment_is_not_activated_and_terminates_at_once(
    account: AccountFixture,
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id()))
    held_id, payment_id = checkout(account, paid)
    assert payment_id is not None
    refused = account.api.post(f"/account/subscription/{held_id}/activate")
    assert refused.status_code == 409, refused.text
    assert "awaits the payment" in refused.json()["detailMessage"]
    assert held(account, held_id)["status"] == "deactivated"
    assert account.api.post(f"/account/subscription/{held_id}/terminate").status_code == 204
    assert held(account, held_id)["status"] == "finished"
    assert payment_status(account, payment_id) is PaymentStatus.CANCELLED
    with pytest.raises(Conflict, match="cancelled"):
        subscriptions.confirm_payment(account.api.server.ctx, payment_id)


def test_another_accounts_subscriptions_are_not_found_nor_listed(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0))
    held_id, _ = checkout(account, free)
    for action in ("activate", "terminate"):
        response = other_account.api.post(f"/account/subscription/{held_id}/{action}")
        assert response.status_code == 404, response.text
    assert other_account.api.get("/app/account/subscription").json() == []
    assert held(account, held_id)["status"] == "active"
    assert account.api.post(f"/account/subscription/{'x' * 25}/terminate").status_code == 404


def test_dates_are_epoch_milliseconds_of_calendar_months(account: AccountFixture) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0, length="1m"))
    start = now(account.api)
    held_id, _ = checkout(account, free)
    shown = held(account, held_id)
    assert shown["startDate"] == millis(start)
    month = 31 if start.month in (1, 3, 5, 7, 8, 10, 12) else 30
    if start.month == 2:
        month = 29 if start.year % 4 == 0 else 28
    if start.day <= 28:
        assert shown["periodEndDate"] == millis(start + timedelta(days=month))


def attempt(call: Any) -> str:
    try:
        call()
    except Conflict:
        return "refused"
    return "done"


def test_at_once_a_plan_is_checked_out_once_and_a_payment_confirmed_once(
    account: AccountFixture,
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id()))
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: attempt(lambda: checkout(account, paid)), range(4)))
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    (only,) = account.api.get("/app/account/subscription").json()
    (payment_id,) = pending_payments(account, only["id"])
    ctx = account.api.server.ctx
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(
            pool.map(
                lambda _: attempt(lambda: subscriptions.confirm_payment(ctx, payment_id)), range(4)
            )
        )
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    assert held(account, only["id"])["period"] == 1


def test_a_sub_accounts_subscriptions_are_its_own(account: AccountFixture) -> None:
    sub_id = create_sub(account, rights=0)["accountId"]
    assert isinstance(sub_id, int)
    sub = sub_client(account, sub_id)
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0))
    held_id, _ = checkout(account, free)
    assert sub.get("/app/account/subscription").json() == []
    assert sub.post(f"/account/subscription/{held_id}/terminate").status_code == 404
    mine, _payment = subscriptions.checkout(account.api.server.ctx, acting_for(sub_id, "t"), free)
    (listed,) = sub.get("/app/account/subscription").json()
    assert (listed["id"], listed["accountId"]) == (mine.id, sub_id)
    assert sub.post(f"/account/subscription/{mine.id}/terminate").status_code == 204
    assert held(account, held_id)["status"] == "active"
