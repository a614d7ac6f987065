"""An account's integrations: an app listed once per account whatever its grants, with all
their scopes, its first creation and its latest activity; the display order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nukiweb.domain.integrations import (
    App,
    GrantedToken,
    Holder,
    VendorKey,
    Version,
    api_token_integration,
    app_integrations,
    in_display_order,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MASTER = Holder(1, "Master", is_sub_account=False)
SUB = Holder(2, "Sub", is_sub_account=True)
APP = App(7, "client-id", "Home app")


def token(
    holder: Holder, scopes: list[str], minutes: int, active: int | None, app: App = APP
) -> GrantedToken:
    return GrantedToken(
        app=app,
        holder=holder,
        scopes=scopes,
        created_at=T0 + timedelta(minutes=minutes),
        last_active_at=None if active is None else T0 + timedelta(minutes=active),
    )


def test_an_apps_grants_of_one_account_are_one_integration() -> None:
    (listed,) = app_integrations(
        [
            token(MASTER, ["account"], 5, 9),
            token(MASTER, ["smartlock"], 1, None),
            token(MASTER, ["account"], 3, 20),
        ]
    )
    assert listed.vendor_key is VendorKey.OAUTH_APP
    assert listed.scopes == {"account", "smartlock"}
    assert listed.created_at == T0 + timedelta(minutes=1)
    assert listed.last_active_at == T0 + timedelta(minutes=20)
    assert (listed.name, listed.api_key_id, listed.token_id) == ("Home app", 7, None)


def test_an_app_never_used_has_no_last_activity_and_each_account_its_own_entry() -> None:
    listed = app_integrations([token(MASTER, ["account"], 0, None), token(SUB, ["account"], 0, 4)])
    assert [(item.holder, item.last_active_at) for item in listed] == [
        (MASTER, None),
        (SUB, T0 + timedelta(minutes=4)),
    ]


def test_an_app_is_named_by_its_advanced_name_its_description_or_its_client_id() -> None:
    assert App(1, "cid", "desc", advanced_name="Care").name == "Care"
    assert App(1, "cid", "desc").name == "desc"
    assert App(1, "cid", None).name == "cid"


def test_versions_and_sort_orders_follow_the_vendor_key() -> None:
    assert VendorKey.OAUTH_APP.version is Version.HYDRA
    assert VendorKey.API_TOKEN.version is Version.LEGACY
    assert VendorKey.OAUTH_APP.sort_order < VendorKey.API_TOKEN.sort_order


def test_apps_come_first_then_own_tokens_then_sub_accounts_oldest_first() -> None:
    sub_token = api_token_integration(3, SUB, "s", None, ["account"], T0, None)
    late = api_token_integration(3, MASTER, "b", "late", ["account"], T0 + timedelta(1), None)
    early = api_token_integration(3, MASTER, "a", None, ["account"], T0, None)
    (app,) = app_integrations([token(MASTER, ["account"], 50, None)])
    ordered = in_display_order([sub_token, late, app, early])
    assert ordered == [app, early, late, sub_token]
    assert early.name == "API token"
    assert late.name == late.description == "late"
