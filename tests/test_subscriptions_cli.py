"""``nukiweb admin import-subscriptions`` and ``confirm-payment``: the operator's catalog and the
payments the ``manual`` provider leaves to the operator; ``serve --demo`` starts with the example
plans."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from nukiweb.cli import open_context
from nukiweb.domain.identity import acting_for
from nukiweb.services import accounts, subscriptions
from nukiweb.store import subscriptions as store
from tests.test_cli import DemoServer, nukiweb

PLANS = [
    {
        "subscriptionId": 11,
        "titles": {"en": "Basic"},
        "descriptions": {"en": "Ten"},
        "quantity": 10,
        "length": "1m",
        "price": 5,
    },
    {
        "subscriptionId": 12,
        "titles": {"en": "Free"},
        "descriptions": {},
        "quantity": 1,
        "length": "30d",
        "price": 0,
        "available": False,
    },
]


def listed_plans(directory: Path) -> dict[int, tuple[str, bool]]:
    ctx = open_context(None, directory)
    try:
        with ctx.db.read() as conn:
            return {
                plan.subscription_id: (plan.titles["en"], plan.available)
                for plan in store.list_plans(conn)
            }
    finally:
        ctx.db.dispose()


def test_import_subscriptions_adds_and_updates_plans_and_prints_the_count(tmp_path: Path) -> None:
    (tmp_path / "plans.json").write_text(json.dumps(PLANS))
    result = nukiweb("admin", "import-subscriptions", "plans.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Imported 2 subscriptions.\n"
    assert listed_plans(tmp_path) == {11: ("Basic", True), 12: ("Free", False)}

    renamed = [PLANS[0] | {"titles": {"en": "Basic+"}}]
    (tmp_path / "one.json").write_text(json.dumps(renamed))
    result = nukiweb("admin", "import-subscriptions", "one.json", cwd=tmp_path)
    assert result.stdout == "Imported 1 subscription.\n"
    assert listed_plans(tmp_path) == {11: ("Basic+", True), 12: ("Free", False)}

    result = nukiweb("admin", "import-subscriptions", "--example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    example = subscriptions.example_plans()
    assert result.stdout == f"Imported {len(example)} subscriptions.\n"
    assert set(listed_plans(tmp_path)) == {11, 12} | {plan["subscriptionId"] for plan in example}


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("{", ["plans.json"], "plans.json is not a JSON document"),
        ('{"subscriptionId": 1}', ["plans.json"], "JSON array"),
        (json.dumps([PLANS[0], PLANS[1] | {"length": "1h"}]), ["plans.json"], "'[1].length'"),
        (json.dumps([PLANS[0], PLANS[0]]), ["plans.json"], "'[1].subscriptionId'"),
        (json.dumps([PLANS[0] | {"price": -1}]), ["plans.json"], "plans.json: "),
        ("[]", ["missing.json"], "missing.json"),
        ("[]", [], "FILE or --example"),
        ("[]", ["plans.json", "--example"], "FILE or --example"),
    ],
)
def test_a_bad_subscriptions_file_is_a_one_line_error_and_imports_nothing(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    (tmp_path / "plans.json").write_text(content)
    result = nukiweb("admin", "import-subscriptions", *args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("nukiweb: ")
    assert message in result.stderr
    assert listed_plans(tmp_path) == {}


def test_confirm_payment_activates_the_subscription_once(tmp_path: Path) -> None:
    (tmp_path / "plans.json").write_text(json.dumps(PLANS))
    assert nukiweb("admin", "import-subscriptions", "plans.json", cwd=tmp_path).returncode == 0
    ctx = open_context(None, tmp_path)
    try:
        account = accounts.create_account(ctx, "payer@example.com", "correct horse", "Payer")
        caller = acting_for(account.account_id, "test")
        held, payment = subscriptions.checkout(ctx, caller, 11)
    finally:
        ctx.db.dispose()
    assert payment is not None
    listed = nukiweb("admin", "list-payments", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(
        f"{payment.id}  pending  5.00  account {account.account_id}  subscription 11 period 1  "
    )
    assert listed.stdout.count("\n") == 1

    result = nukiweb("admin", "confirm-payment", payment.id, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"Payment {payment.id} confirmed: subscription {held.id} is active (period 1) until "
    )
    assert result.stdout.count("\n") == 1

    assert nukiweb("admin", "list-payments", cwd=tmp_path).stdout == ""
    every = nukiweb("admin", "list-payments", "--all", cwd=tmp_path).stdout
    assert every.startswith(f"{payment.id}  paid  5.00  ")

    again = nukiweb("admin", "confirm-payment", payment.id, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr == f"nukiweb: The payment '{payment.id}' is paid, not pending.\n"
    unknown = nukiweb("admin", "confirm-payment", "f" * 24, cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr == f"nukiweb: The payment '{'f' * 24}' was not found.\n"


def test_demo_starts_with_the_example_plans(tmp_path: Path) -> None:
    demo = DemoServer(tmp_path)
    try:
        response = httpx.get(
            f"http://127.0.0.1:{demo.port}/subscription",
            headers={"Authorization": f"Bearer {demo.token}"},
        )
    finally:
        demo.stop()
    assert response.status_code == 200, response.text
    example = subscriptions.example_plans()
    assert [plan["subscriptionId"] for plan in response.json()] == [
        plan["subscriptionId"] for plan in example
    ]
