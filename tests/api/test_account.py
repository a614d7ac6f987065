"""Tag Account: one's own account and its settings, over real HTTP."""

from __future__ import annotations

from nukiweb.domain.scopes import Scope
from tests.support import AccountFixture, unique_email


def test_get_account_answers_my_account(account: AccountFixture) -> None:
    response = account.api.get("/account")
    assert response.status_code == 200
    body = response.json()
    assert body["accountId"] == account.account_id
    assert body["email"] == account.email
    assert body["name"] == "Test User"
    assert body["creationDate"].endswith("Z")
    assert "password" not in response.text
    assert "masterAccountId" not in body


def test_get_account_without_token_is_401_with_vendor_body(account: AccountFixture) -> None:
    response = account.api.with_token(None).get("/account")
    assert response.status_code == 401
    assert response.json() == {
        "detailMessage": "Your access token is not authorized",
        "stackTrace": [],
        "suppressedExceptions": [],
    }


def test_unknown_and_malformed_tokens_are_401(account: AccountFixture) -> None:
    for token in ["nkw_" + "0" * 64, "garbage", "x" * 600]:
        assert account.api.with_token(token).get("/account").status_code == 401
    basic = account.api.get("/account", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_token_without_account_scope_is_401(account: AccountFixture) -> None:
    client = account.client_with(Scope.SMARTLOCK)
    assert client.get("/account").status_code == 401


def test_update_name_language_and_profile(account: AccountFixture) -> None:
    profile = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address": "Main Street 1",
        "zip": "8010",
        "city": "Graz",
        "country": "AT",
    }
    response = account.api.post(
        "/account", json={"name": "Ada", "language": "de", "profile": profile}
    )
    assert response.status_code == 204
    body = account.api.get("/account").json()
    assert (body["name"], body["language"], body["profile"]) == ("Ada", "de", profile)
    assert body["email"] == account.email


def test_update_needs_language_and_names_it(account: AccountFixture) -> None:
    response = account.api.post("/account", json={"name": "No language"})
    assert response.status_code == 400
    assert "'language'" in response.json()["detailMessage"]
    assert account.api.get("/account").json()["name"] == "Test User"


def test_bad_email_and_short_password_are_400_and_change_nothing(account: AccountFixture) -> None:
    for body, parameter in [
        ({"language": "en", "email": "not-an-email"}, "email"),
        ({"language": "en", "password": "short"}, "password"),
        ({"language": "xx-invalid"}, "language"),
    ]:
        response = account.api.post("/account", json=body)
        assert response.status_code == 400, body
        assert f"'{parameter}'" in response.json()["detailMessage"]
    assert account.api.get("/account").json()["email"] == account.email


def test_email_taken_by_another_account_is_409(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    taken = other_account.email.upper()
    response = account.api.post("/account", json={"language": "en", "email": taken})
    assert response.status_code == 409
    assert account.api.get("/account").json()["email"] == account.email


def test_change_email(account: AccountFixture) -> None:
    new_email = unique_email("renamed")
    assert (
        account.api.post("/account", json={"language": "en", "email": new_email}).status_code == 204
    )
    assert account.api.get("/account").json()["email"] == new_email


def test_password_change_destroys_api_tokens(account: AccountFixture) -> None:
    other_token = account.token_with(Scope.ACCOUNT)
    response = account.api.post("/account", json={"language": "en", "password": "a new password"})
    assert response.status_code == 204
    assert account.api.get("/account").status_code == 401
    assert account.api.with_token(other_token).get("/account").status_code == 401


def test_password_change_keeps_tokens_when_asked(account: AccountFixture) -> None:
    for flag in ["false", "False", "0"]:
        response = account.api.post(
            "/account",
            params={"deleteApiTokens": flag},
            json={"language": "en", "password": f"new password {flag}"},
        )
        assert response.status_code == 204
        assert account.api.get("/account").status_code == 200


def test_delete_account_revokes_everything(account: AccountFixture) -> None:
    assert account.api.delete("/account").status_code == 204
    assert account.api.get("/account").status_code == 401


def test_setting_is_404_until_stored_then_round_trips(account: AccountFixture) -> None:
    assert account.api.get("/account/setting").status_code == 404
    setting = {
        "web": {
            "deviceViewType": "TILE",
            "deviceSortType": "NAME_ASC",
            "nukiClubDismissed": True,
            "markedStaledDevices": [{"smartlockId": 17618910285, "name": "Front", "read": False}],
        }
    }
    stored = account.api.put("/account/setting", json=setting)
    assert stored.status_code == 200
    assert stored.json() == setting
    assert account.api.get("/account/setting").json() == setting
    assert account.api.delete("/account/setting").status_code == 204
    assert account.api.get("/account/setting").status_code == 404


def test_setting_with_unknown_enum_value_is_400(account: AccountFixture) -> None:
    response = account.api.put("/account/setting", json={"web": {"deviceViewType": "GRID"}})
    assert response.status_code == 400
    assert "deviceViewType" in response.json()["detailMessage"]


def test_tolerates_what_real_clients_send(account: AccountFixture) -> None:
    assert account.api.request("GET", "/account", json={}).status_code == 200
    assert account.api.get("/account", params={"unknown": "1"}).status_code == 200
    response = account.api.put(
        "/api/key/{}/token".format(account.api.get("/api/key").json()[0]["apiKeyId"]),
        json={"scopes": ["account"], "description": "x", "unknownField": 1},
    )
    assert response.status_code == 200


def test_numbers_may_arrive_as_numeric_strings(account: AccountFixture) -> None:
    body = {"email": unique_email("sub"), "password": "sub password", "name": "Sub"}
    response = account.api.put("/account/sub", json=body | {"rights": "16", "language": "de"})
    assert response.status_code == 200
    assert response.json()["rights"] == 16


def test_malformed_json_is_400(account: AccountFixture) -> None:
    response = account.api.post(
        "/account", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_error_messages_never_echo_a_password(account: AccountFixture) -> None:
    response = account.api.post("/account", json={"language": "de", "password": 12345678})
    assert response.status_code == 400
    assert "12345678" not in response.text
    assert "'password'" in response.json()["detailMessage"]


def test_values_the_store_cannot_hold_are_refused(account: AccountFixture) -> None:
    # PostgreSQL cannot hold a NUL character (400); SQLite can, and finds no such id (404).
    nul = account.api.request("DELETE", "/smartlock/auth", json=["a\u0000b"])
    assert nul.status_code in (400, 404)
    huge = account.api.get("/smartlock/auth", params={"accountUserId": 2**40})
    assert huge.status_code in (200, 400)
    assert account.api.get("/account").status_code == 200


OTP_DATE = {"otpEnabledDate": "2000-01-01T00:00:00.000Z"}


def test_the_otp_enabled_date_is_the_servers_and_ignored(account: AccountFixture) -> None:
    pins = {"alexaPin": "1234", "gactionsHomePin": "5678"}

    response = account.api.post("/account", json={"language": "de", "config": pins | OTP_DATE})

    assert response.status_code == 204, response.text
    mine = account.api.get("/account")
    assert mine.status_code == 200, mine.text
    assert mine.json()["config"] == pins


def test_a_sub_accounts_otp_enabled_date_is_ignored_too(account: AccountFixture) -> None:
    body = {"email": unique_email("sub"), "password": "sub password", "name": "Sub"}
    sub = account.api.put("/account/sub", json=body | {"rights": 0, "language": "de"}).json()
    pins = {"alexaPin": "", "gactionsHomePin": "9"}

    response = account.api.post(
        f"/account/sub/{sub['accountId']}", json={"language": "de", "config": pins | OTP_DATE}
    )

    assert response.status_code == 204, response.text
    read = account.api.get(f"/account/sub/{sub['accountId']}")
    assert read.status_code == 200, read.text
    assert read.json()["config"] == pins
