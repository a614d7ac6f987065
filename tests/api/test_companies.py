"""Tag Company over HTTP: the partner companies, one list for every caller with any valid token,
as the operator imported it last."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from nukiweb.services import companies
from tests.api.test_sub_accounts import create_sub, sub_client
from tests.support import AccountFixture, RunningServer

PARTNERS = [
    {"name": "Alpine Rentals (test)", "email": "alpine@example.com"},
    {"name": "Keyless Stays (test)"},
    {"name": "  Harbour Lofts (test)  ", "email": "harbour@example.com"},
]
LISTED = [
    {"name": "Alpine Rentals (test)", "email": "alpine@example.com"},
    {"name": "Keyless Stays (test)"},
    {"name": "Harbour Lofts (test)", "email": "harbour@example.com"},
]


def imported(server: RunningServer, document: Any) -> int:
    return companies.import_companies(server.ctx, document)


def test_the_imported_companies_are_listed_in_their_order(account: AccountFixture) -> None:
    assert imported(account.api.server, PARTNERS) == 3
    response = account.api.get("/company")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == LISTED


def test_an_import_replaces_the_list(account: AccountFixture) -> None:
    imported(account.api.server, PARTNERS)
    assert imported(account.api.server, [{"name": "Only One (test)"}]) == 1
    assert account.api.get("/company").json() == [{"name": "Only One (test)"}]
    assert imported(account.api.server, []) == 0
    assert account.api.get("/company").json() == []


def test_a_long_list_keeps_its_order(account: AccountFixture) -> None:
    document = [{"name": f"Partner {n:03} (test)"} for n in range(250, 0, -1)]
    imported(account.api.server, document)
    assert account.api.get("/company").json() == document


def test_a_refused_import_leaves_the_list_as_it_was(account: AccountFixture) -> None:
    imported(account.api.server, PARTNERS)
    with pytest.raises(InvalidParameter, match=r"\[1\]\.email"):
        imported(account.api.server, [{"name": "Fine"}, {"name": "Bad", "email": "nope"}])
    assert account.api.get("/company").json() == LISTED


def test_the_example_set_is_importable_only_into_an_empty_list(account: AccountFixture) -> None:
    server = account.api.server
    imported(server, PARTNERS)
    example = companies.example_companies()
    assert companies.import_companies(server.ctx, example, only_if_empty=True) == 0
    assert account.api.get("/company").json() == LISTED
    imported(server, [])
    assert companies.import_companies(server.ctx, example, only_if_empty=True) == len(example)
    assert account.api.get("/company").json() == example


def test_imports_at_once_leave_one_of_the_lists_whole(account: AccountFixture) -> None:
    """Each import replaces the list in one transaction: two at once never mix."""
    lists = [[{"name": f"List {n} partner {i} (test)"} for i in range(20)] for n in range(6)]
    with ThreadPoolExecutor(max_workers=len(lists)) as pool:
        counts = list(pool.map(lambda document: imported(account.api.server, document), lists))
    assert counts == [20] * len(lists)
    assert account.api.get("/company").json() in lists


@pytest.mark.parametrize("scope", list(Scope))
def test_any_scope_admits(account: AccountFixture, scope: Scope) -> None:
    imported(account.api.server, PARTNERS)
    response = account.client_with(scope).get("/company")
    assert response.status_code == 200, response.text
    assert response.json() == LISTED


def test_a_token_without_scopes_admits(account: AccountFixture) -> None:
    imported(account.api.server, PARTNERS)
    assert account.client_with().get("/company").json() == LISTED


def test_no_token_or_an_unknown_one_is_refused(account: AccountFixture) -> None:
    for token in (None, "nkw_" + "0" * 64):
        response = account.api.with_token(token).get("/company")
        assert response.status_code == 401
        assert response.json()["detailMessage"] == "Your access token is not authorized"


def test_every_account_and_sub_account_sees_the_same_list(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    imported(account.api.server, PARTNERS)
    sub = create_sub(account, rights=int(Rights.NONE))
    assert other_account.api.get("/company").json() == LISTED
    assert sub_client(account, int(str(sub["accountId"]))).get("/company").json() == LISTED
