"""The subscription plans, what accounts hold of them, and the payments asked for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select, text, update

from nukiweb.domain.subscriptions import (
    AccountSubscription,
    Payment,
    PaymentStatus,
    PaymentType,
    Plan,
    Status,
)
from nukiweb.store.schema import account_subscriptions, subscription_payments, subscriptions

# --- plans -----------------------------------------------------------------------------------


def _plan(row: Row[Any]) -> Plan:
    return Plan(
        subscription_id=row.subscription_id,
        titles=dict(row.titles),
        descriptions=dict(row.descriptions),
        quantity=row.quantity,
        length=row.length,
        price=Decimal(row.price).quantize(Decimal("0.01")),
        gift_article=row.gift_article,
        available=row.available,
        update_date=row.update_date,
    )


def list_plans(conn: Connection, *, available_only: bool = False) -> list[Plan]:
    statement = select(subscriptions).order_by(subscriptions.c.subscription_id)
    if available_only:
        statement = statement.where(subscriptions.c.available.is_(True))
    return [_plan(row) for row in conn.execute(statement)]


def get_plan(conn: Connection, subscription_id: int) -> Plan | None:
    row = conn.execute(
        select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
    ).first()
    return None if row is None else _plan(row)


def lock_plans(conn: Connection) -> None:
    """Until the transaction ends, no other import changes the plans (PostgreSQL; SQLite's
    transactions hold its write lock from their start)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE subscriptions IN EXCLUSIVE MODE"))


def _plan_values(plan: Plan) -> dict[str, Any]:
    return {
        "titles": plan.titles,
        "descriptions": plan.descriptions,
        "quantity": plan.quantity,
        "length": plan.length,
        "price": plan.price,
        "gift_article": plan.gift_article,
        "available": plan.available,
        "update_date": plan.update_date,
    }


def insert_plans(conn: Connection, plans: Sequence[Plan]) -> None:
    for plan in plans:
        conn.execute(
            insert(subscriptions).values(subscription_id=plan.subscription_id, **_plan_values(plan))
        )


def update_plan(conn: Connection, plan: Plan) -> None:
    conn.execute(
        update(subscriptions)
        .where(subscriptions.c.subscription_id == plan.subscription_id)
        .values(**_plan_values(plan))
    )


# --- what accounts hold ----------------------------------------------------------------------


def _held(row: Row[Any]) -> AccountSubscription:
    return AccountSubscription(
        id=row.id,
        account_id=row.account_id,
        subscription_id=row.subscription_id,
        period=row.period,
        payment_type=PaymentType(row.payment_type),
        quantity=row.quantity,
        status=Status(row.status),
        creation_date=row.creation_date,
        start_date=row.start_date,
        period_end_date=row.period_end_date,
        next_payment_date=row.next_payment_date,
        terminated=row.terminated,
        gift_article=row.gift_article,
    )


def list_held(conn: Connection, account_id: int) -> list[AccountSubscription]:
    """The account's subscriptions, oldest first."""
    rows = conn.execute(
        select(account_subscriptions)
        .where(account_subscriptions.c.account_id == account_id)
        .order_by(account_subscriptions.c.creation_date, account_subscriptions.c.id)
    )
    return [_held(row) for row in rows]


def get_held(
    conn: Connection, account_id: int | None, held_id: str, *, for_update: bool = False
) -> AccountSubscription | None:
    """The subscription ``held_id`` if ``account_id`` holds it (``None``: whoever does);
    ``for_update`` locks its row to the end of the transaction."""
    statement = select(account_subscriptions).where(account_subscriptions.c.id == held_id)
    if account_id is not None:
        statement = statement.where(account_subscriptions.c.account_id == account_id)
    if for_update:
        statement = statement.with_for_update()
    row = conn.execute(statement).first()
    return None if row is None else _held(row)


def insert_held(conn: Connection, held: AccountSubscription) -> None:
    values = asdict(held)
    values["payment_type"] = str(held.payment_type)
    values["status"] = str(held.status)
    conn.execute(insert(account_subscriptions).values(**values))


def save_held(conn: Connection, held: AccountSubscription) -> None:
    values = asdict(held)
    values["payment_type"] = str(held.payment_type)
    values["status"] = str(held.status)
    for fixed in ("id", "account_id", "subscription_id", "creation_date"):
        del values[fixed]
    conn.execute(
        update(account_subscriptions).where(account_subscriptions.c.id == held.id).values(**values)
    )


# --- payments --------------------------------------------------------------------------------


def _payment(row: Row[Any]) -> Payment:
    return Payment(
        id=row.id,
        account_subscription_id=row.account_subscription_id,
        provider=row.provider,
        period=row.period,
        amount=Decimal(row.amount).quantize(Decimal("0.01")),
        status=PaymentStatus(row.status),
        creation_date=row.creation_date,
        paid_date=row.paid_date,
    )


def insert_payment(conn: Connection, payment: Payment) -> None:
    values = asdict(payment)
    values["status"] = str(payment.status)
    conn.execute(insert(subscription_payments).values(**values))


def get_payment(conn: Connection, payment_id: str, *, for_update: bool = False) -> Payment | None:
    statement = select(subscription_payments).where(subscription_payments.c.id == payment_id)
    if for_update:
        statement = statement.with_for_update()
    row = conn.execute(statement).first()
    return None if row is None else _payment(row)


def payments_of(conn: Connection, held_ids: Sequence[str]) -> list[Payment]:
    """The payments of these subscriptions, oldest first."""
    if not held_ids:
        return []
    rows = conn.execute(
        select(subscription_payments)
        .where(subscription_payments.c.account_subscription_id.in_(list(held_ids)))
        .order_by(subscription_payments.c.creation_date, subscription_payments.c.period)
    )
    return [_payment(row) for row in rows]


def list_payments(conn: Connection, status: PaymentStatus | None = None) -> list[Payment]:
    """Every account's payments (the operator's view), oldest first."""
    statement = select(subscription_payments).order_by(
        subscription_payments.c.creation_date, subscription_payments.c.id
    )
    if status is not None:
        statement = statement.where(subscription_payments.c.status == str(status))
    return [_payment(row) for row in conn.execute(statement)]


def set_payment_status(
    conn: Connection, payment_id: str, status: PaymentStatus, paid_date: datetime | None = None
) -> None:
    conn.execute(
        update(subscription_payments)
        .where(subscription_payments.c.id == payment_id)
        .values(status=str(status), paid_date=paid_date)
    )
