"""A store from before keypad codes were sealed: its codes (in authorizations, in the device's
copy, in events waiting for a receiver, in webhook logs) are sealed by the migration, which
needs the secret key; afterwards everything works as before, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from nukiweb.domain.identity import Caller
from nukiweb.domain.scopes import ALL_SCOPES
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.secrets import new_object_id
from nukiweb.services import accounts, api_keys, smartlocks
from nukiweb.services.context import ServiceContext
from nukiweb.services.webhook_subscriptions import new_subscriber
from nukiweb.store import outbox, schema
from nukiweb.store import webhooks as webhook_store
from nukiweb.store.database import Database
from nukiweb.store.schema import smartlock_auths, webhook_events, webhook_logs
from nukiweb.store.types import UTCDateTime
from tests.api.test_keypad import KEYPAD, enter, newest_log
from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS, database_for
from tests.devices import MOTOR_TIME, advance
from tests.support import SIMULATION_START, ApiClient, running_server
from tests.webhooks import Receiver, receiver

CODE = 987654
BEFORE = "0006"  # the last revision with codes in clear

# smartlock_auths as it was before: the code in clear, also in the device's copy.
_old_auths = sa.table(
    "smartlock_auths",
    *(
        sa.column(name)
        for name in (
            "id", "account_id", "smartlock_id", "auth_id", "type", "name", "code", "enabled",
            "remote_allowed", "smart_actions_enabled", "lock_count",
        )
    ),
    sa.column("device_copy", sa.JSON),
    sa.column("creation_date", UTCDateTime()),
    sa.column("update_date", UTCDateTime()),
)  # fmt: skip


def seed_before(ctx: ServiceContext, hook: Receiver) -> tuple[str, int, str]:
    """An account with a keypad code on a lock, a webhook whose receiver was down (the code's
    event waits) and a log of an attempt that showed the code; its token, device, auth id."""
    # Today's services use tables and columns later migrations add (the account's verification
    # mail, 0013 and 0014; a token's last activity, 0014; a device's revision, 0011): for as
    # long as they are used here, the store has them.
    later_tables = [schema.jobs, schema.mails, schema.account_links]
    later_columns = [
        ("api_tokens", "last_active_at", "TIMESTAMP"),
        ("smartlocks", "revision", "BIGINT"),
    ]
    with ctx.db.transaction() as conn:
        schema.metadata.create_all(conn, tables=later_tables)
        for table, column, type_ in later_columns:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {type_}")
    account = accounts.create_account(ctx, "before@example.com", "correct horse", "Before")
    token, value = api_keys.issue_token_for_account(ctx, account.account_id, "t", ALL_SCOPES)
    device = smartlocks.add_device(ctx, account.account_id, 4, "Front door")
    with ctx.db.transaction() as conn:
        for table, column, _ in later_columns:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        schema.metadata.drop_all(conn, tables=later_tables)
    auth_id, now = new_object_id(), ctx.clock.now()
    window = dict.fromkeys(
        ("allowed_from_date", "allowed_until_date", "allowed_week_days", "allowed_from_time",
         "allowed_until_time"),
    )  # fmt: skip
    shown = {"id": auth_id, "smartlockId": device.smartlock_id, "code": CODE, "type": 13}
    payload = {"feature": "DEVICE_AUTHS", "deleted": False, "smartlockAuth": shown}
    with ctx.db.transaction() as conn:
        conn.execute(
            sa.insert(_old_auths).values(
                id=auth_id, account_id=account.account_id, smartlock_id=device.smartlock_id,
                auth_id=2, type=13, name="Old code", code=CODE, enabled=True,
                remote_allowed=False, smart_actions_enabled=False, lock_count=0,
                device_copy={"code": CODE, "enabled": True, "remote_allowed": False, **window},
                creation_date=now, update_date=now,
            )
        )  # fmt: skip
        owner = Caller(
            account.account_id, account.account_id, None, ALL_SCOPES, token.id, token.api_key_id
        )
        new_subscriber(
            ctx, conn, owner, api_key_id=token.api_key_id, kind=webhook_store.DECENTRAL,
            url=hook.url, features=["DEVICE_AUTHS"], secret_box=ctx.secrets.seal("secret"),
        )  # fmt: skip
        outbox.append(conn, {
            "id": new_object_id(), "account_id": account.account_id, "api_key_id": None,
            "feature": "DEVICE_AUTHS", "smartlock_id": device.smartlock_id, "payload": payload,
            "created": now,
        })  # fmt: skip
        webhook_store.insert_log(conn, {
            "id": new_object_id(), "api_key_id": token.api_key_id,
            "account_id": account.account_id, "subscriber_id": 0, "feature": "DEVICE_AUTHS",
            "request_id": None,
            "succeeded": False, "response_status": None, "duration": 1,
            "request": {"headers": {}, "body": payload, "path": hook.url},
            "response": {"headers": {}, "body": {"error": "down"}, "path": hook.url},
            "created": now, "updated": now,
        })  # fmt: skip
    return value, device.smartlock_id, auth_id


def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    database = Database(url)
    try:
        with database.read() as conn:
            return {
                table.name: [row._asdict() for row in conn.execute(select(table))]
                for table in (smartlock_auths, webhook_events, webhook_logs)
            }
    finally:
        database.dispose()


@pytest.fixture(params=BACKENDS)
def database_before(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_for(request.param, tmp_path) as url:
        yield url


def test_codes_in_clear_are_sealed_by_the_migration(
    database_before: str, contract: ContractValidator
) -> None:
    url, box = database_before, SecretBox.ephemeral()
    with receiver(up=False) as hook:
        database = Database(url)
        database.upgrade(box, revision=BEFORE)
        ctx = build_context(database, manual_clock=True, start=SIMULATION_START, secrets=box)
        token, smartlock_id, auth_id = seed_before(ctx, hook)
        with pytest.raises(RuntimeError, match="secret key"):
            database.upgrade()  # no key: nothing changes
        with database.read() as conn:
            assert conn.execute(sa.text("SELECT code FROM smartlock_auths")).scalar() == CODE
        database.dispose()

        hook.start()
        with running_server(url, secrets=box) as server:
            api = ApiClient(server, token, contract)
            [auth] = api.get(f"/smartlock/{smartlock_id}/auth").json()
            assert (auth["id"], auth["code"]) == (auth_id, CODE)
            enter(api, smartlock_id, CODE)
            advance(api, MOTOR_TIME)
            assert (
                newest_log(api, smartlock_id)["trigger"],
                newest_log(api, smartlock_id)["authId"],
            ) == (KEYPAD, auth_id)
            [delivered] = hook.wait_for_count(1, feature="DEVICE_AUTHS")
            assert delivered.json["smartlockAuth"]["code"] == CODE
            api.close()

    after = rows(url)
    [row] = after["smartlock_auths"]
    assert "code" not in row
    assert box.open(row["code_box"]) == str(CODE)
    assert row["device_copy"]["code_digest"] == row["code_digest"]
    assert "code" not in row["device_copy"]
    assert str(CODE) not in str(after)
