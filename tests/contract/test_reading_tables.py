"""The domain's tables of what reads what agree with the vendor's operation table: the
operation each webhook feature is read through, with its scopes and rights, the scopes that
hold what another grants, and the scopes a token needs to give a sub-account a right."""

from __future__ import annotations

import pytest

from nukiweb.api.endpoint import OPERATIONS_BY_ID
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.readers import FEATURE_READINGS
from nukiweb.domain.rights import ANY_RIGHT, SCOPES_OF_RIGHT, Rights, required_rights
from nukiweb.domain.scopes import _HOLDS_ALSO
from nukiweb.domain.webhooks import Feature


@pytest.mark.parametrize("feature", list(Feature))
def test_each_feature_is_read_through_a_vendor_operation_with_its_scopes(
    feature: Feature,
) -> None:
    reading = FEATURE_READINGS[feature]
    matches = [op for op in OPERATIONS if (op.method, op.path) == (reading.method, reading.path)]
    assert len(matches) == 1, (feature, reading)
    operation = matches[0]
    assert operation.tag == reading.tag
    assert operation.security is not None
    assert sorted(operation.security) == sorted(reading.scopes)
    assert reading.rights == required_rights(operation.tag, operation.method, operation.path)


def test_a_scope_holds_another_only_where_every_operation_admits_it_too() -> None:
    for holder, held in _HOLDS_ALSO.items():
        for scope in held:
            for op in OPERATIONS_BY_ID.values():
                if op.security and scope in op.security:
                    assert holder in op.security, (holder, scope, op.operation_id)


@pytest.mark.parametrize("right", [Rights(bit) for bit in SCOPES_OF_RIGHT])
def test_giving_a_right_takes_a_scope_of_every_operation_the_right_opens(right: Rights) -> None:
    """So that a token gives, through a sub-account, nothing it could not do itself."""
    needed = SCOPES_OF_RIGHT[right]
    for op in OPERATIONS_BY_ID.values():
        opened_by = required_rights(op.tag, op.method, op.path)
        if op.security and opened_by != ANY_RIGHT and opened_by & right:
            assert needed & set(op.security), (right, op.operation_id, op.security)
