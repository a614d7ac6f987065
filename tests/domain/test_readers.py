"""What a subscriber may hear, decided from its scopes and rights (domain.readers), and which
scopes a token may grant (domain.scopes.not_held)."""

from __future__ import annotations

import pytest

from nukiweb.domain.errors import Forbidden
from nukiweb.domain.readers import readable_features, require_readable
from nukiweb.domain.rights import ALL_RIGHTS, Rights
from nukiweb.domain.scopes import ALL_SCOPES, Scope, not_held
from nukiweb.domain.webhooks import Feature

DEVICE = {"DEVICE_STATUS", "DEVICE_MASTERDATA", "DEVICE_CONFIG"}


def test_a_master_account_with_every_scope_reads_every_feature() -> None:
    assert readable_features(ALL_SCOPES, None) == {feature.value for feature in Feature}
    assert readable_features(ALL_SCOPES, ALL_RIGHTS) == {feature.value for feature in Feature}


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ({Scope.SMARTLOCK_READ_ONLY}, DEVICE),
        ({Scope.SMARTLOCK}, DEVICE),
        ({Scope.SMARTLOCK_LOG}, {"DEVICE_LOGS"}),
        ({Scope.SMARTLOCK_AUTH}, {"DEVICE_AUTHS", "ACCOUNT_USER"}),
        ({Scope.ACCOUNT, Scope.WEBHOOK_DECENTRAL}, {"ACCOUNT_USER"}),
        ({Scope.SMARTLOCK_ACTION, Scope.NOTIFICATION}, set()),
    ],
)
def test_scopes_read_what_their_operations_read(scopes: set[Scope], expected: set[str]) -> None:
    assert readable_features(scopes, None) == expected


@pytest.mark.parametrize(
    ("rights", "expected"),
    [
        (Rights.NONE, set()),
        (Rights.MANAGE_SMARTLOCK, DEVICE),
        (Rights.OPERATE_SMARTLOCK, DEVICE),
        (Rights.VIEW_LOGS, DEVICE | {"DEVICE_LOGS"}),
        (Rights.MANAGE_AUTHORIZATIONS, DEVICE | {"DEVICE_AUTHS", "ACCOUNT_USER"}),
    ],
)
def test_a_sub_account_reads_what_its_rights_allow(rights: Rights, expected: set[str]) -> None:
    assert readable_features(ALL_SCOPES, rights) == expected


def test_subscribing_to_an_unreadable_feature_names_it() -> None:
    require_readable(frozenset({Scope.SMARTLOCK_LOG}), None, ["DEVICE_LOGS"])
    with pytest.raises(Forbidden, match=r"DEVICE_AUTHS \(GET /smartlock/auth\)"):
        require_readable(ALL_SCOPES, Rights.VIEW_LOGS, ["DEVICE_LOGS", "DEVICE_AUTHS"])


def test_a_token_grants_only_what_it_holds() -> None:
    account = frozenset({Scope.ACCOUNT})
    assert not_held(account, frozenset({Scope.ACCOUNT})) == frozenset()
    assert not_held(account, frozenset({Scope.ACCOUNT, Scope.SMARTLOCK})) == {Scope.SMARTLOCK}
    smartlock = frozenset({Scope.SMARTLOCK})
    assert not_held(smartlock, frozenset({Scope.SMARTLOCK_READ_ONLY})) == frozenset()
    read_only = frozenset({Scope.SMARTLOCK_READ_ONLY})
    assert not_held(read_only, frozenset({Scope.SMARTLOCK})) == {Scope.SMARTLOCK}
    assert not_held(ALL_SCOPES, ALL_SCOPES) == frozenset()
