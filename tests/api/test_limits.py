"""Per-account limits on API keys, API tokens per key, decentral webhooks, notifications and
sub-accounts:
409 with a JSON error beyond them, and nothing changed; simultaneous creates through two
server instances on one store never pass a limit together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from nukiweb.domain.limits import Limits
from nukiweb.domain.rights import Rights
from nukiweb.secretbox import SecretBox
from nukiweb.services import api_keys
from tests.contract.validation import ContractValidator
from tests.support import AccountFixture, RunningServer, make_account, running_server, unique_email

LIMITS = Limits(
    api_keys=3, tokens_per_api_key=3, decentral_webhooks=2, notifications=2, sub_accounts=2
)
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two instances with small limits on the session's store."""
    secrets = SecretBox.ephemeral()
    with (
        running_server(database_url, limits=LIMITS, secrets=secrets) as first,
        running_server(database_url, limits=LIMITS, secrets=secrets) as second,
    ):
        yield first, second


@pytest.fixture
def limited(
    servers: tuple[RunningServer, RunningServer], contract: ContractValidator
) -> Iterator[AccountFixture]:
    """An account on the first instance: one API key with one token, as accounts start."""
    made = make_account(servers[0], contract)
    yield made
    made.api.close()


def first_key(account: AccountFixture) -> int:
    return int(account.api.get("/api/key").json()[0]["apiKeyId"])


def api_key_request(_account: AccountFixture) -> tuple[str, dict[str, Any]]:
    return "/api/key", {"description": "k"}


def token_request(account: AccountFixture) -> tuple[str, dict[str, Any]]:
    return f"/api/key/{first_key(account)}/token", {"description": "t", "scopes": ["account"]}


def webhook_request(_account: AccountFixture) -> tuple[str, dict[str, Any]]:
    return "/api/decentralWebhook", {"webhookUrl": HOOK, "webhookFeatures": ["DEVICE_STATUS"]}


def notification_request(_account: AccountFixture) -> tuple[str, dict[str, Any]]:
    return "/notification", {"pushId": HOOK, "os": 2, "settings": [{"triggerEvents": ["lock"]}]}


def sub_account_request(_account: AccountFixture) -> tuple[str, dict[str, Any]]:
    return "/account/sub", {
        "email": unique_email("sub"), "password": "sub password", "name": "S", "rights": 0,
        "language": "en",
    }  # fmt: skip


Request = Callable[[AccountFixture], tuple[str, dict[str, Any]]]


def create(account: AccountFixture, make: Request) -> httpx.Response:
    path, body = make(account)
    return account.api.put(path, json=body)


def count(account: AccountFixture, kind: str) -> int:
    paths = {
        "api key": "/api/key",
        "token": f"/api/key/{first_key(account)}/token",
        "webhook": "/api/decentralWebhook",
        "notification": "/notification",
        "sub-account": "/account/sub",
    }
    return len(account.api.get(paths[kind]).json())


KINDS: list[tuple[str, Request, int, int, str]] = [
    # kind, its create request, limit, how many an account starts with, the words of the 409
    ("api key", api_key_request, LIMITS.api_keys, 1, "API keys: 3"),
    ("token", token_request, LIMITS.tokens_per_api_key, 1, "API tokens: 3"),
    ("webhook", webhook_request, LIMITS.decentral_webhooks, 0, "decentral webhooks: 2"),
    ("notification", notification_request, LIMITS.notifications, 0, "notifications: 2"),
    ("sub-account", sub_account_request, LIMITS.sub_accounts, 0, "sub-accounts: 2"),
]


@pytest.mark.parametrize(("kind", "make", "limit", "start", "words"), KINDS)
def test_creating_beyond_the_limit_is_409_and_changes_nothing(
    limited: AccountFixture, kind: str, make: Request, limit: int, start: int, words: str
) -> None:
    for _ in range(limit - start):
        made = create(limited, make)
        assert made.status_code == 200, made.text
    refused = create(limited, make)
    assert refused.status_code == 409, refused.text
    assert words in refused.json()["detailMessage"]
    assert count(limited, kind) == limit


def test_a_sub_accounts_webhooks_count_with_its_masters(limited: AccountFixture) -> None:
    sub = limited.api.put(
        "/account/sub",
        json={"email": unique_email("sub"), "password": "sub password", "name": "S",
              "rights": int(Rights(127)), "language": "en"},
    )  # fmt: skip
    assert sub.status_code == 200, sub.text
    for _ in range(LIMITS.decentral_webhooks):
        assert create(limited, webhook_request).status_code == 200
    ctx = limited.api.server.ctx
    _token, sub_token = api_keys.issue_token_for_account(ctx, sub.json()["accountId"], "t")
    path, body = webhook_request(limited)
    refused = limited.api.with_token(sub_token).put(path, json=body)
    assert refused.status_code == 409, refused.text


def test_a_freed_place_can_be_taken_again(limited: AccountFixture) -> None:
    made = [create(limited, webhook_request).json()["id"] for _ in range(2)]
    assert create(limited, webhook_request).status_code == 409
    assert limited.api.delete(f"/api/decentralWebhook/{made[0]}").status_code == 204
    assert create(limited, webhook_request).status_code == 200


@pytest.mark.parametrize(("kind", "make", "limit", "start", "words"), KINDS)
def test_simultaneous_creates_never_pass_the_limit_together(
    servers: tuple[RunningServer, RunningServer],
    contract: ContractValidator,
    kind: str,
    make: Request,
    limit: int,
    start: int,
    words: str,
) -> None:
    """Each round, an account one place short of its limit: six creates at once, three
    through each instance, of which exactly one may succeed."""
    for _round in range(8):
        account = make_account(servers[0], contract)
        for _ in range(limit - start - 1):
            assert create(account, make).status_code == 200
        statuses = at_once(account, make, [s.base_url for s in servers] * 3)
        assert sorted(statuses) == [200, 409, 409, 409, 409, 409], (kind, statuses)
        assert count(account, kind) == limit, words
        account.api.close()


def at_once(account: AccountFixture, make: Request, base_urls: list[str]) -> list[int]:
    """A request made by ``make`` sent through each of ``base_urls`` at once (each its own, so
    that no other conflict, such as a taken email, decides); the statuses."""
    requests = [make(account) for _ in base_urls]
    headers = {"Authorization": f"Bearer {account.token}"}
    start = threading.Barrier(len(base_urls))
    statuses: list[int] = []
    lock = threading.Lock()

    def one(base_url: str, path: str, body: dict[str, Any]) -> None:
        start.wait()
        status = httpx.put(f"{base_url}{path}", json=body, headers=headers, timeout=30).status_code
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=one, args=(url, *request))
        for url, request in zip(base_urls, requests, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses
