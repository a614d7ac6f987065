"""Use cases of the Subscription and AccountSubscription tags: the operator's plans (imported
with ``nukiweb admin import-subscriptions``), checkout, the payments that start periods, and the
period ends the job runner enforces. The states are described in ``domain.subscriptions``.

A subscription is its account's own: a sub-account's are its own too (``caller.account_id``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import subscriptions as rules
from nukiweb.domain.errors import Conflict, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.domain.subscriptions import (
    AccountSubscription,
    Payment,
    PaymentStatus,
    Plan,
    Status,
)
from nukiweb.secrets import new_object_id
from nukiweb.services import payments
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store import jobs
from nukiweb.store import subscriptions as store

JOB = "subscription-period"
CHECKOUT_PATH = "/web/account/subscriptions/checkout"
# Two plans, one free and one paid, shipped with the package: what --demo starts with, and what
# ``import-subscriptions --example`` imports.
EXAMPLE_FILE = files("nukiweb") / "data" / "subscriptions.example.json"


# --- the plans -------------------------------------------------------------------------------


def list_plans(ctx: ServiceContext, caller: Caller) -> list[Plan]:
    """Every plan, by subscriptionId, the same for every caller (``available`` says whether it
    can be checked out)."""
    del caller
    with ctx.db.read() as conn:
        return store.list_plans(conn)


def get_plan(ctx: ServiceContext, caller: Caller, subscription_id: int) -> Plan:
    del caller
    with ctx.db.read() as conn:
        plan = store.get_plan(conn, subscription_id)
    if plan is None:
        raise NotFound("subscription", subscription_id)
    return plan


def import_plans(ctx: ServiceContext, document: Any, *, only_if_empty: bool = False) -> int:
    """Adds the plans of ``document`` (a parsed JSON array of ``Subscription``) and updates
    those it has by subscriptionId (their update date moves when anything in them changed);
    plans it lacks stay as they are. Answers how many it had; nothing changes if anything in it
    is refused. With ``only_if_empty``, a catalog that has plans is left alone (and 0
    answered)."""
    imported = rules.check_plans(document)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        store.lock_plans(conn)
        existing = {plan.subscription_id: plan for plan in store.list_plans(conn)}
        if only_if_empty and existing:
            return 0
        new = [
            replace(plan, update_date=now)
            for plan in imported
            if plan.subscription_id not in existing
        ]
        store.insert_plans(conn, new)
        for plan in imported:
            old = existing.get(plan.subscription_id)
            if old is not None and not old.same_terms(plan):
                store.update_plan(conn, replace(plan, update_date=now))
    return len(imported)


def example_plans() -> Any:
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


# --- what an account holds -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Held:
    """A subscription with its plan and the payment it awaits, if any (for the pages)."""

    subscription: AccountSubscription
    plan: Plan
    awaited: Payment | None


def list_held(ctx: ServiceContext, caller: Caller) -> list[AccountSubscription]:
    with ctx.db.read() as conn:
        return store.list_held(conn, caller.account_id)


def describe_held(ctx: ServiceContext, caller: Caller) -> list[Held]:
    with ctx.db.read() as conn:
        held = store.list_held(conn, caller.account_id)
        plans = {plan.subscription_id: plan for plan in store.list_plans(conn)}
        pending = {
            payment.account_subscription_id: payment
            for payment in store.payments_of(conn, [each.id for each in held])
            if payment.status is PaymentStatus.PENDING
        }
    return [Held(each, plans[each.subscription_id], pending.get(each.id)) for each in held]


def checkout_url(ctx: ServiceContext, caller: Caller) -> str:
    """Where the account picks a plan and pays: nothing in it is secret (the page is the
    signed-in account's)."""
    del caller
    return ctx.public_url + CHECKOUT_PATH


def checkout(
    ctx: ServiceContext,
    caller: Caller,
    subscription_id: int,
    provider_name: str = payments.DEFAULT_PROVIDER,
) -> tuple[AccountSubscription, Payment | None]:
    """A new subscription of the plan: active at once if it is free, else deactivated with
    the payment of its first period pending (answered with it). An account holds a plan once
    at a time: checking out one it holds and has not finished is refused."""
    provider = payments.provider(provider_name)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        account_store.lock_account(conn, caller.account_id)
        plan = store.get_plan(conn, subscription_id)
        if plan is None:
            raise NotFound("subscription", subscription_id)
        for held in store.list_held(conn, caller.account_id):
            if held.subscription_id == subscription_id and held.status is not Status.FINISHED:
                raise Conflict(
                    f"This account holds the subscription {subscription_id} already "
                    f"('{held.id}', {held.status})."
                )
        held = rules.checked_out(
            new_object_id(), caller.account_id, plan, provider.payment_type, now
        )
        store.insert_held(conn, held)
        payment = None
        if held.status is Status.ACTIVE:
            _schedule_period_end(conn, held)
        else:
            payment = _ask_payment(conn, held, 1, plan, provider_name, now)
    return held, payment


def get_payment(
    ctx: ServiceContext, caller: Caller, payment_id: str
) -> tuple[Payment, AccountSubscription, Plan]:
    """One of the account's payments, with what it pays for; another account's is not found."""
    with ctx.db.read() as conn:
        payment = store.get_payment(conn, payment_id)
        held = (
            None
            if payment is None
            else store.get_held(conn, caller.account_id, payment.account_subscription_id)
        )
        if payment is None or held is None:
            raise NotFound("payment", payment_id)
        plan = store.get_plan(conn, held.subscription_id)
    assert plan is not None  # a held plan stays
    return payment, held, plan


def instructions(payment: Payment, plan: Plan) -> payments.PaymentInstructions:
    return payments.provider(payment.provider).begin(payment, plan)


def confirm_payment(ctx: ServiceContext, payment_id: str) -> AccountSubscription:
    """The payment has arrived (its provider says so; ``manual``: the operator): it is paid,
    and the period it pays for starts now. Only a pending payment can be confirmed."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        asked = store.get_payment(conn, payment_id)
        if asked is None:
            raise NotFound("payment", payment_id)
        # The subscription's row first, as terminate and the period's end lock it: then its
        # payments are read as they are.
        held = store.get_held(conn, None, asked.account_subscription_id, for_update=True)
        payment = store.get_payment(conn, payment_id, for_update=True)
        assert held is not None  # payments go with their subscription
        assert payment is not None
        if payment.status is not PaymentStatus.PENDING:
            raise Conflict(f"The payment '{payment_id}' is {payment.status}, not pending.")
        store.set_payment_status(conn, payment_id, PaymentStatus.PAID, now)
        if held.status is Status.DEACTIVATED and held.period + 1 == payment.period:
            held = _start_period(conn, held, now)
    return held


@dataclass(frozen=True, slots=True)
class AskedPayment:
    payment: Payment
    account_id: int
    subscription_id: int


def list_payments(ctx: ServiceContext, *, pending_only: bool = True) -> list[AskedPayment]:
    """Every account's payments, oldest first (the operator's view)."""
    with ctx.db.read() as conn:
        asked = store.list_payments(conn, PaymentStatus.PENDING if pending_only else None)
        held = {
            payment.account_subscription_id: store.get_held(
                conn, None, payment.account_subscription_id
            )
            for payment in asked
        }
    return [
        AskedPayment(payment, each.account_id, each.subscription_id)
        for payment in asked
        if (each := held[payment.account_subscription_id]) is not None
    ]


def terminate(ctx: ServiceContext, caller: Caller, held_id: str) -> None:
    with ctx.db.transaction() as conn:
        held = _own(conn, caller, held_id)
        ended = rules.terminated(held)
        store.save_held(conn, ended)
        if ended.status is Status.FINISHED:
            _cancel_pending(conn, held)
            jobs.cancel(conn, JOB, held.id)


def activate(ctx: ServiceContext, caller: Caller, held_id: str) -> None:
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        held = _own(conn, caller, held_id)
        paid = held.status is Status.DEACTIVATED and any(
            payment.period == held.period + 1 and payment.status is PaymentStatus.PAID
            for payment in store.payments_of(conn, [held.id])
        )
        active = rules.activated(held, _length(conn, held), paid, now)
        if active != held:
            store.save_held(conn, active)
        if active.period != held.period:
            _schedule_period_end(conn, active)


def end_period(ctx: ServiceContext, held_id: str) -> None:
    """The job at a period's end: finishes, renews, or asks the next period's payment."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        held = store.get_held(conn, None, held_id, for_update=True)
        if held is None:
            jobs.cancel(conn, JOB, held_id)
            return
        ended = rules.period_ended(held, _length(conn, held), now)
        if ended is None:
            if held.status is Status.ACTIVE and held.period_end_date is not None:
                _schedule_period_end(conn, held)  # not due yet: moved, or a clock set back
            return
        store.save_held(conn, ended.subscription)
        if ended.subscription.status is Status.ACTIVE:
            _schedule_period_end(conn, ended.subscription)
        if ended.payment_due:
            plan = store.get_plan(conn, held.subscription_id)
            assert plan is not None
            provider = _last_provider(conn, held)
            _ask_payment(conn, held, held.period + 1, plan, provider, now)


# --- helpers ---------------------------------------------------------------------------------


def _own(conn: Connection, caller: Caller, held_id: str) -> AccountSubscription:
    held = store.get_held(conn, caller.account_id, held_id, for_update=True)
    if held is None:
        raise NotFound("account subscription", held_id)
    return held


def _length(conn: Connection, held: AccountSubscription) -> rules.Length:
    plan = store.get_plan(conn, held.subscription_id)
    assert plan is not None
    return plan.period


def _start_period(
    conn: Connection, held: AccountSubscription, now: datetime
) -> AccountSubscription:
    started = rules.start_period(held, _length(conn, held), now)
    store.save_held(conn, started)
    _schedule_period_end(conn, started)
    return started


def _schedule_period_end(conn: Connection, held: AccountSubscription) -> None:
    assert held.period_end_date is not None
    jobs.schedule(conn, JOB, held.id, held.period_end_date)


def _ask_payment(
    conn: Connection,
    held: AccountSubscription,
    period: int,
    plan: Plan,
    provider: str,
    now: datetime,
) -> Payment:
    payment = Payment(
        id=new_object_id(),
        account_subscription_id=held.id,
        provider=provider,
        period=period,
        amount=plan.price,
        status=PaymentStatus.PENDING,
        creation_date=now,
    )
    store.insert_payment(conn, payment)
    return payment


def _cancel_pending(conn: Connection, held: AccountSubscription) -> None:
    for payment in store.payments_of(conn, [held.id]):
        if payment.status is PaymentStatus.PENDING:
            store.set_payment_status(conn, payment.id, PaymentStatus.CANCELLED)


def _last_provider(conn: Connection, held: AccountSubscription) -> str:
    asked = store.payments_of(conn, [held.id])
    return asked[-1].provider if asked else payments.DEFAULT_PROVIDER
