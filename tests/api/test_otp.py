"""One-time passwords over HTTP (``/account/otp``): a pending secret, enabled by a right code,
the spec's status codes, the date in ``Account.config``, the secret sealed at rest."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pyotp
import pytest
from sqlalchemy import select

from nukiweb.domain.errors import NukiwebError
from nukiweb.services import otp
from nukiweb.store.schema import accounts
from tests.api.test_sub_accounts import create_sub, sub_client
from tests.devices import advance
from tests.support import AccountFixture, RunningServer


def code_now(server: RunningServer, secret: str) -> str:
    """The code an authenticator app shows at the server's (simulated) time."""
    return pyotp.TOTP(secret).at(server.ctx.clock.now())


def wrong_code(right: str) -> str:
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def create_secret(account: AccountFixture) -> str:
    response = account.api.put("/account/otp")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    secret = response.json()
    assert isinstance(secret, str)
    return secret


def enable_otp(account: AccountFixture) -> str:
    """Enables one-time passwords; the secret. The step of the code used is spent."""
    secret = create_secret(account)
    response = account.api.post("/account/otp", json={"otp": code_now(account.api.server, secret)})
    assert response.status_code == 204, response.text
    return secret


def otp_columns(server: RunningServer, account_id: int) -> tuple[str | None, str | None]:
    with server.ctx.db.read() as conn:
        row = conn.execute(
            select(accounts.c.otp_secret, accounts.c.otp_pending_secret).where(
                accounts.c.account_id == account_id
            )
        ).one()
    return row.otp_secret, row.otp_pending_secret


def test_a_secret_is_pending_until_a_right_code_enables_it(account: AccountFixture) -> None:
    secret = create_secret(account)
    assert pyotp.TOTP(secret).at(0)  # a base32 secret an authenticator takes
    assert "otpEnabledDate" not in account.api.get("/account").json()["config"]
    assert not otp.is_enabled(account.api.server.ctx, account.account_id)

    before = account.api.server.ctx.clock.now()
    response = account.api.post("/account/otp", json={"otp": code_now(account.api.server, secret)})
    assert response.status_code == 204, response.text
    config = account.api.get("/account").json()["config"]
    assert datetime.fromisoformat(config["otpEnabledDate"]) == before
    assert config["otpEnabledDate"].endswith("Z")
    assert otp.is_enabled(account.api.server.ctx, account.account_id)


def test_each_put_makes_a_new_secret_and_only_the_last_one_counts(
    account: AccountFixture,
) -> None:
    first = create_secret(account)
    second = create_secret(account)
    assert first != second
    server = account.api.server
    refused = account.api.post("/account/otp", json={"otp": code_now(server, first)})
    assert refused.status_code == 401
    accepted = account.api.post("/account/otp", json={"otp": code_now(server, second)})
    assert accepted.status_code == 204, accepted.text


def test_the_secrets_are_sealed_at_rest(account: AccountFixture) -> None:
    server = account.api.server
    secret = create_secret(account)
    active, pending = otp_columns(server, account.account_id)
    assert active is None
    assert pending is not None
    assert secret not in pending
    assert server.ctx.secrets.open(pending) == secret
    account.api.post("/account/otp", json={"otp": code_now(server, secret)})
    active, pending = otp_columns(server, account.account_id)
    assert pending is None
    assert active is not None
    assert secret not in active
    assert server.ctx.secrets.open(active) == secret


def test_put_while_enabled_is_refused_with_405(account: AccountFixture) -> None:
    enable_otp(account)
    response = account.api.put("/account/otp")
    assert response.status_code == 405
    assert response.json()["detailMessage"] == "One time password is already enabled"


def test_an_empty_code_is_400_and_a_wrong_one_401(account: AccountFixture) -> None:
    secret = create_secret(account)
    empty = account.api.post("/account/otp", json={"otp": " "})
    assert empty.status_code == 400
    assert "One time password empty" in empty.json()["detailMessage"]
    wrong = account.api.post(
        "/account/otp", json={"otp": wrong_code(code_now(account.api.server, secret))}
    )
    assert wrong.status_code == 401
    message = wrong.json()["detailMessage"]
    assert "one time password is wrong" in message
    assert message != "Your access token is not authorized"
    assert "otpEnabledDate" not in account.api.get("/account").json()["config"]


def test_a_missing_code_is_400(account: AccountFixture) -> None:
    create_secret(account)
    assert account.api.post("/account/otp", json={}).status_code == 400


def test_a_code_without_a_pending_secret_is_400(account: AccountFixture) -> None:
    response = account.api.post("/account/otp", json={"otp": "123456"})
    assert response.status_code == 400
    assert "no one time password secret" in response.json()["detailMessage"]


def test_repeated_wrong_codes_are_throttled_with_429(account: AccountFixture) -> None:
    server = account.api.server
    secret = create_secret(account)
    for _ in range(5):
        wrong = wrong_code(code_now(server, secret))
        assert account.api.post("/account/otp", json={"otp": wrong}).status_code == 401
    throttled = account.api.post("/account/otp", json={"otp": code_now(server, secret)})
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.json()["detailMessage"]
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "otpEnabledDate" not in account.api.get("/account").json()["config"]
    advance(account.api, 15 * 60)
    right = account.api.post("/account/otp", json={"otp": code_now(server, secret)})
    assert right.status_code == 204, right.text


def test_the_throttle_is_per_account(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    server = account.api.server
    secret = create_secret(account)
    for _ in range(5):
        account.api.post("/account/otp", json={"otp": wrong_code(code_now(server, secret))})
    assert account.api.post("/account/otp", json={"otp": "000000"}).status_code == 429
    others = create_secret(other_account)
    response = other_account.api.post("/account/otp", json={"otp": code_now(server, others)})
    assert response.status_code == 204, response.text


def test_delete_disables_and_removes_the_date(account: AccountFixture) -> None:
    enable_otp(account)
    response = account.api.delete("/account/otp")
    assert response.status_code == 204, response.text
    assert "otpEnabledDate" not in account.api.get("/account").json()["config"]
    assert otp_columns(account.api.server, account.account_id) == (None, None)
    assert not otp.is_enabled(account.api.server.ctx, account.account_id)
    create_secret(account)  # and it may be set up again


def test_delete_when_not_enabled_is_fine(account: AccountFixture) -> None:
    assert account.api.delete("/account/otp").status_code == 204


def test_a_client_cannot_set_or_remove_the_enabled_date(account: AccountFixture) -> None:
    enable_otp(account)
    enabled = account.api.get("/account").json()["config"]["otpEnabledDate"]
    sent = {"alexaPin": "1234", "gactionsHomePin": "5678", "otpEnabledDate": "2000-01-01T00:00:00Z"}
    assert account.api.post("/account", json={"language": "en", "config": sent}).status_code == 204
    config = account.api.get("/account").json()["config"]
    assert config == {"alexaPin": "1234", "gactionsHomePin": "5678", "otpEnabledDate": enabled}


def test_a_client_date_is_ignored_without_otp(account: AccountFixture) -> None:
    sent = {"alexaPin": "", "gactionsHomePin": "", "otpEnabledDate": "2000-01-01T00:00:00Z"}
    assert account.api.post("/account", json={"language": "en", "config": sent}).status_code == 204
    assert "otpEnabledDate" not in account.api.get("/account").json()["config"]


def test_one_account_cannot_touch_anothers(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    enable_otp(account)
    assert other_account.api.delete("/account/otp").status_code == 204
    assert otp.is_enabled(account.api.server.ctx, account.account_id)
    assert other_account.api.put("/account/otp").status_code == 200


def test_the_account_scope_is_needed(account: AccountFixture) -> None:
    client = account.client_with()
    assert client.put("/account/otp").status_code == 401
    assert client.post("/account/otp", json={"otp": "123456"}).status_code == 401
    assert client.delete("/account/otp").status_code == 401


def test_a_code_is_accepted_once_when_signing_in(account: AccountFixture) -> None:
    server = account.api.server
    secret = enable_otp(account)
    advance(account.api, 30)
    code = code_now(server, secret)
    otp.verify(server.ctx, account.account_id, code)
    with pytest.raises(otp.OtpWrong):
        otp.verify(server.ctx, account.account_id, code)


def test_one_code_used_at_once_passes_once(account: AccountFixture) -> None:
    """The account's row is locked while a step is spent: of requests racing with one code,
    exactly one passes."""
    server = account.api.server
    secret = enable_otp(account)
    advance(account.api, 30)
    code = code_now(server, secret)

    def attempt(_: int) -> bool:
        try:
            otp.verify(server.ctx, account.account_id, code)
        except NukiwebError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert outcomes.count(True) == 1


def test_a_master_updating_a_sub_accounts_config_keeps_its_date(account: AccountFixture) -> None:
    sub = create_sub(account, 0)
    sub_id = int(str(sub["accountId"]))
    sub_api = sub_client(account, sub_id)
    server = account.api.server
    secret = sub_api.put("/account/otp").json()
    enabled = sub_api.post("/account/otp", json={"otp": code_now(server, secret)})
    assert enabled.status_code == 204, enabled.text
    date = sub_api.get("/account").json()["config"]["otpEnabledDate"]
    config = {"alexaPin": "1", "gactionsHomePin": "2"}
    updated = account.api.post(f"/account/sub/{sub_id}", json={"language": "en", "config": config})
    assert updated.status_code == 204, updated.text
    assert sub_api.get("/account").json()["config"] == config | {"otpEnabledDate": date}
