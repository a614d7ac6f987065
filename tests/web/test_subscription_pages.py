"""The Subscriptions pages over HTTP, against the real server: checkout of a free and of a paid
plan, the payment page while the payment is awaited and once confirmed, the Terminate and Resume
buttons. Signing in and the CSRF token are required; another account's subscription or payment
is 404; a refused change is an error page with nothing changed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from nukiweb.services import subscriptions
from tests.api.test_subscriptions import a_plan, held, imported, plan_id
from tests.support import AccountFixture, RunningServer
from tests.web.support import WebClient
from tests.web.test_device_pages import cell, rows

SUBSCRIPTIONS = "/web/account/subscriptions"
CHECKOUT = SUBSCRIPTIONS + "/checkout"


@pytest.fixture
def client(server: RunningServer, account: AccountFixture) -> Iterator[WebClient]:
    with WebClient(server) as web:
        web.sign_in(account.email, account.password)
        yield web


def check_out(client: WebClient, subscription_id: int) -> str:
    """Picks the plan on the checkout page; where it leads."""
    response = client.submit(CHECKOUT, CHECKOUT, {"subscription_id": str(subscription_id)})
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_pages_need_a_session(server: RunningServer) -> None:
    with WebClient(server) as anonymous:
        for path in (SUBSCRIPTIONS, CHECKOUT, f"{SUBSCRIPTIONS}/payments/{'a' * 24}"):
            response = anonymous.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/web/login?next=")


def test_the_checkout_lists_the_available_plans(client: WebClient, account: AccountFixture) -> None:
    on_offer, withdrawn = imported(
        account.api.server,
        a_plan(plan_id(), length="1m", price=12.5),
        a_plan(plan_id(), available=False),
    )
    page = client.get(CHECKOUT)
    assert page.status_code == 200
    assert 'aria-current="page">Subscriptions' in page.text
    assert f'value="{on_offer}"' in page.text
    assert f'value="{withdrawn}"' not in page.text
    assert f"Plan {on_offer} (test) · 25 authorizations · 12.50 per 1 month" in text(page.text)


def test_a_free_plan_is_active_at_checkout(client: WebClient, account: AccountFixture) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0))
    assert check_out(client, free) == f"{SUBSCRIPTIONS}?notice=activated"
    page = client.get(f"{SUBSCRIPTIONS}?notice=activated")
    assert "The subscription is active." in page.text
    (row,) = rows(page.text, "data-subscription-id").values()
    assert cell(row, "status") == "active"
    assert cell(row, "next-payment") == "—"
    assert "Terminate" in row


def test_a_paid_plan_shows_its_payment_until_it_is_confirmed(
    client: WebClient, account: AccountFixture
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id()))
    location = check_out(client, paid)
    payment_id = location.rsplit("/", 1)[1]
    assert location == f"{SUBSCRIPTIONS}/payments/{payment_id}"
    page = client.get(location)
    assert page.status_code == 200
    assert "Awaiting payment" in page.text
    assert f"quoting the reference {payment_id}" in text(page.text)
    assert "4.50" in page.text
    listed = rows(client.get(SUBSCRIPTIONS).text, "data-subscription-id")
    ((held_id, row),) = listed.items()
    assert cell(row, "status") == f"deactivated Awaiting payment {payment_id}"

    subscriptions.confirm_payment(account.api.server.ctx, payment_id)
    page = client.get(location)
    assert "<h1>Paid</h1>" in page.text
    assert "The subscription is active until" in text(page.text)
    assert held(account, held_id)["status"] == "active"


def test_terminate_and_resume_buttons(client: WebClient, account: AccountFixture) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0))
    check_out(client, free)
    ((held_id, _row),) = rows(client.get(SUBSCRIPTIONS).text, "data-subscription-id").items()
    response = client.submit(SUBSCRIPTIONS, f"{SUBSCRIPTIONS}/{held_id}/terminate", {})
    assert response.headers["location"] == f"{SUBSCRIPTIONS}?notice=terminated"
    row = rows(client.get(SUBSCRIPTIONS).text, "data-subscription-id")[held_id]
    assert cell(row, "status") == "active · ends with this period"
    assert "Resume" in row
    assert "Terminate" not in row
    assert held(account, held_id)["status"] == "active"
    response = client.submit(SUBSCRIPTIONS, f"{SUBSCRIPTIONS}/{held_id}/activate", {})
    assert response.headers["location"] == f"{SUBSCRIPTIONS}?notice=resumed"
    row = rows(client.get(SUBSCRIPTIONS).text, "data-subscription-id")[held_id]
    assert "Terminate" in row


def test_checking_out_a_plan_held_already_is_refused(
    client: WebClient, account: AccountFixture
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id()))
    check_out(client, paid)
    response = client.submit(CHECKOUT, CHECKOUT, {"subscription_id": str(paid)})
    assert response.status_code == 409
    assert "holds the subscription" in response.text
    response = client.submit(CHECKOUT, CHECKOUT, {"subscription_id": "none"})
    assert response.status_code == 400
    assert len(account.api.get("/app/account/subscription").json()) == 1


def test_a_form_without_the_csrf_token_is_refused(
    client: WebClient, account: AccountFixture
) -> None:
    (free,) = imported(account.api.server, a_plan(plan_id(), price=0))
    response = client.http.post(CHECKOUT, data={"subscription_id": str(free)})
    assert response.status_code == 403
    assert account.api.get("/app/account/subscription").json() == []


def test_another_accounts_subscription_and_payment_are_not_found(
    client: WebClient, account: AccountFixture, other_account: AccountFixture
) -> None:
    (paid,) = imported(account.api.server, a_plan(plan_id()))
    with WebClient(account.api.server) as other:
        other.sign_in(other_account.email, other_account.password)
        location = check_out(other, paid)
        ((held_id, _row),) = rows(other.get(SUBSCRIPTIONS).text, "data-subscription-id").items()
    assert client.get(location).status_code == 404
    response = client.submit(SUBSCRIPTIONS, f"{SUBSCRIPTIONS}/{held_id}/terminate", {})
    assert response.status_code == 404
    assert held(other_account, held_id)["status"] == "deactivated"
