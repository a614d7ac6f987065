"""Keypad codes are not at rest in clear: not in the authorization's row, not in the device's
copy, not in events waiting in the outbox, not in the webhook logs. Authorised callers still
read them through the API, subscribers still receive them, the keypad still knows them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from nukiweb.store import keypad_codes
from nukiweb.store.schema import smartlock_auths, webhook_events, webhook_logs
from tests.api.test_authorizations import confirmed_auth, get_auth, update_auth
from tests.api.test_keypad import KEYPAD, enter, newest_log
from tests.api.test_webhook_delivery import MAX_RETRY_SECONDS, advance_until, central
from tests.api.test_webhook_delivery import webhook_logs as logs_of
from tests.devices import MOTOR_TIME, add_device, advance
from tests.support import AccountFixture
from tests.webhooks import receiver, wait_until

CODE, NEW_CODE = 987654, 876543


def stored(account: AccountFixture) -> dict[str, list[dict[str, Any]]]:
    """The account's rows that could hold a code: authorizations, events, webhook logs."""
    tables = {"auths": smartlock_auths, "events": webhook_events, "logs": webhook_logs}
    with account.api.server.ctx.db.read() as conn:
        return {
            name: [
                row._asdict()
                for row in conn.execute(
                    select(table).where(table.c.account_id == account.account_id)
                )
            ]
            for name, table in tables.items()
        }


def in_clear(rows: dict[str, list[dict[str, Any]]], *codes: int) -> bool:
    text = json.dumps(rows, default=str)
    return any(str(code) in text for code in codes)


def test_a_keypad_code_is_sealed_and_found_by_its_digest(account: AccountFixture) -> None:
    api, box = account.api, account.api.server.ctx.secrets
    lock = add_device(account, 4)
    auth = confirmed_auth(account, lock, "Front door", type=13, code=CODE)
    assert auth["code"] == CODE
    assert get_auth(api, auth)["code"] == CODE

    [row] = stored(account)["auths"]
    assert "code" not in row
    assert box.open(row["code_box"]) == str(CODE)
    assert row["code_digest"] == keypad_codes.digest(box, lock, CODE)
    assert row["device_copy"]["code_digest"] == row["code_digest"]
    assert "code" not in row["device_copy"]
    assert not in_clear(stored(account), CODE)

    enter(api, lock, CODE)
    advance(api, MOTOR_TIME)
    opened = newest_log(api, lock)
    assert (opened["trigger"], opened["authId"], opened["action"]) == (KEYPAD, auth["id"], 1)
    assert update_auth(api, auth, code=NEW_CODE) == 204
    advance(api, 0)
    assert get_auth(api, auth)["code"] == NEW_CODE
    assert not in_clear(stored(account), CODE, NEW_CODE)


def test_events_with_a_code_wait_sealed_and_the_log_leaves_the_code_out(
    account: AccountFixture,
) -> None:
    api = account.api
    lock = add_device(account, 4)
    with receiver(up=False) as hook:
        api_key, _secret = central(account, hook.url, ["DEVICE_AUTHS"])
        confirmed_auth(account, lock, "Front door", type=13, code=CODE)
        wait_until(lambda: logs_of(api, api_key))  # the receiver is down: the events wait
        pending = [row for row in stored(account)["events"] if row["feature"] == "DEVICE_AUTHS"]
        assert pending
        assert all(list(row["payload"]) == ["sealed"] for row in pending)
        assert not in_clear(stored(account), CODE)

        hook.start()
        advance_until(api, MAX_RETRY_SECONDS, lambda: hook.received)
        received = hook.wait_for(lambda got: any("code" in r.json["smartlockAuth"] for r in got))
        assert {r.json["smartlockAuth"].get("code") for r in received} <= {None, CODE}
        delivered = wait_until(lambda: [log for log in logs_of(api, api_key) if log["succeeded"]])
        assert all("code" not in log["request"]["body"]["smartlockAuth"] for log in delivered)
        assert delivered[0]["request"]["body"]["smartlockAuth"]["name"] == "Front door"
        assert not in_clear(stored(account), CODE)
