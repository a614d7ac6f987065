"""What the webhook logs keep of an attempt stays small, whatever a receiver answers: the body up
to 2 KB, the headers of an allow-list."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from nukiweb.domain.webhooks import MAX_STORED_BODY
from nukiweb.store.schema import webhook_logs as log_rows
from tests.api.test_webhook_delivery import central, lock, webhook_logs
from tests.devices import add_device
from tests.support import AccountFixture
from tests.webhooks import Receiver, receiver, wait_until

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as made:
        yield made


def stored_sizes(account: AccountFixture, api_key: int) -> list[int]:
    """The bytes each stored log row's request and response take, as JSON."""
    with account.api.server.ctx.db.read() as conn:
        rows = conn.execute(
            select(log_rows.c.request, log_rows.c.response).where(log_rows.c.api_key_id == api_key)
        )
        return [len(json.dumps(row.request)) + len(json.dumps(row.response)) for row in rows]


def test_a_huge_answer_is_stored_truncated_with_allowed_headers(
    account: AccountFixture, hook: Receiver
) -> None:
    hook.answer = json.dumps({"echo": "x" * FIVE_MB}).encode()
    hook.answer_headers = {"Server": "receiver/1.0", "Retry-After": "120"}
    hook.answer_headers |= {f"X-Padding-{index}": "y" * 1000 for index in range(10)}
    api_key, _secret = central(account, hook.url, ["DEVICE_LOGS"])
    lock(account.api, add_device(account, 4))
    hook.wait_for_count(1, feature="DEVICE_LOGS")

    [logged] = wait_until(lambda: webhook_logs(account.api, api_key))
    assert logged["succeeded"] is True
    response = logged["response"]
    assert response["body"]["truncated"] is True
    assert response["body"]["text"] == hook.answer[:MAX_STORED_BODY].decode()
    assert response["headers"] == {
        "content-type": "application/json",
        "content-length": str(len(hook.answer)),
        "server": "receiver/1.0",
        "retry-after": "120",
        "date": response["headers"]["date"],
    }
    [size] = stored_sizes(account, api_key)
    assert size < 4 * 1024  # the request (headers, body) and 2 KB of the answer
