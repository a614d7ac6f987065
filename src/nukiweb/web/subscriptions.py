"""The Subscriptions pages of the account settings: the account's subscriptions with Terminate
and Resume buttons, the checkout where a plan is picked (``POST /account/subscription/pay``
answers its URL), and a payment's page, which shows how to pay while it is awaited.

Every change calls the use case the API's operation calls, as the signed-in account; what a
service refuses is an error page with its message, nothing changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import Response

from nukiweb.domain.errors import InvalidParameter, NotFound
from nukiweb.domain.subscriptions import Payment, Plan, Status, text_in
from nukiweb.services import subscriptions
from nukiweb.services.subscriptions import CHECKOUT_PATH, Held
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_session,
)

SUBSCRIPTIONS_PATH = "/web/account/subscriptions"
PAYMENT_PATH = SUBSCRIPTIONS_PATH + "/payments/{payment_id}"
_ID = re.compile(r"[0-9a-f]{24}")
_PLAN_ID = re.compile(r"[0-9]{1,10}")
NOTICES = {
    "activated": "The subscription is active.",
    "terminated": "The subscription is terminated: it ends with its current period.",
    "resumed": "The subscription is resumed: it renews at the end of its period.",
    "finished": "The subscription is finished.",
}

router = page_router()


@dataclass(frozen=True, slots=True)
class ShownSubscription:
    id: str
    title: str
    status: str
    period: int
    quantity: int
    period_end: str
    next_payment: str
    terminated: bool
    awaited: Payment | None

    @property
    def can_terminate(self) -> bool:
        return self.status != Status.FINISHED and not (
            self.status == Status.ACTIVE and self.terminated
        )

    @property
    def can_resume(self) -> bool:
        return self.status == Status.ACTIVE and self.terminated


def shown_date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _shown(held: Held) -> ShownSubscription:
    each = held.subscription
    return ShownSubscription(
        id=each.id,
        title=text_in(held.plan.titles),
        status=str(each.status),
        period=each.period,
        quantity=each.quantity,
        period_end=shown_date(each.period_end_date),
        next_payment=shown_date(each.next_payment_date),
        terminated=each.terminated,
        awaited=held.awaited,
    )


@dataclass(frozen=True, slots=True)
class ShownPlan:
    subscription_id: int
    title: str
    description: str
    quantity: int
    length: str
    price: str
    free: bool


def shown_plan(plan: Plan) -> ShownPlan:
    return ShownPlan(
        subscription_id=plan.subscription_id,
        title=text_in(plan.titles),
        description=text_in(plan.descriptions),
        quantity=plan.quantity,
        length=plan.period.words,
        price=f"{plan.price:.2f}",
        free=plan.free,
    )


@router.get(SUBSCRIPTIONS_PATH)
async def subscriptions_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    held = subscriptions.describe_held(context_of(request), session.caller)
    return render(
        request,
        "subscriptions.html",
        session,
        page="account",
        section="subscriptions",
        held=[_shown(each) for each in reversed(held)],
        notice=NOTICES.get(notice or ""),
    )


@router.post(SUBSCRIPTIONS_PATH + "/{held_id}/terminate")
async def terminate(request: Request, held_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    ctx = context_of(request)
    subscriptions.terminate(ctx, session.caller, _held_id(held_id))
    finished = any(
        each.id == held_id and each.status is Status.FINISHED
        for each in subscriptions.list_held(ctx, session.caller)
    )
    return redirect(f"{SUBSCRIPTIONS_PATH}?notice={'finished' if finished else 'terminated'}")


@router.post(SUBSCRIPTIONS_PATH + "/{held_id}/activate")
async def activate(request: Request, held_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    subscriptions.activate(context_of(request), session.caller, _held_id(held_id))
    return redirect(f"{SUBSCRIPTIONS_PATH}?notice=resumed")


@router.get(CHECKOUT_PATH)
async def checkout_page(request: Request) -> Response:
    session = require_session(request)
    plans = subscriptions.list_plans(context_of(request), session.caller)
    return render(
        request,
        "subscription_checkout.html",
        session,
        page="account",
        section="subscriptions",
        plans=[shown_plan(plan) for plan in plans if plan.available],
    )


@router.post(CHECKOUT_PATH)
async def checkout(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    chosen = form_text(form, "subscription_id", 20)
    if not _PLAN_ID.fullmatch(chosen):
        raise InvalidParameter("subscription_id", chosen, "Please pick a plan.")
    _held, payment = subscriptions.checkout(context_of(request), session.caller, int(chosen))
    if payment is None:
        return redirect(f"{SUBSCRIPTIONS_PATH}?notice=activated")
    return redirect(PAYMENT_PATH.format(payment_id=payment.id))


@router.get(PAYMENT_PATH)
async def payment_page(request: Request, payment_id: str) -> Response:
    session = require_session(request)
    if not _ID.fullmatch(payment_id):
        raise NotFound("payment", payment_id[:24])
    payment, held, plan = subscriptions.get_payment(context_of(request), session.caller, payment_id)
    return render(
        request,
        "subscription_payment.html",
        session,
        page="account",
        section="subscriptions",
        payment=payment,
        status=str(payment.status),
        held=held,
        plan=shown_plan(plan),
        instructions=subscriptions.instructions(payment, plan),
        paid=shown_date(payment.paid_date),
        period_end=shown_date(held.period_end_date),
    )


def _held_id(text: str) -> str:
    if not _ID.fullmatch(text):
        raise NotFound("account subscription", text[:24])
    return text
