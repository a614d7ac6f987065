"""Schema AccountIntegration of the Account tag: what has access to an account."""

from __future__ import annotations

from typing import Self

from nukiweb.api.models.common import ApiDateTime, ResponseModel
from nukiweb.domain.integrations import Integration, Version


class AccountIntegration(ResponseModel):
    version: str
    vendorKey: str
    subAccountName: str | None = None
    subAccountId: int | None = None
    subAccount: bool
    name: str
    description: str | None = None
    createdAt: ApiDateTime
    lastActiveAt: ApiDateTime | None = None
    scopes: list[str]
    warning: bool
    tokenId: str | None = None
    advancedType: str | None = None
    advancedState: str | None = None
    clientId: str
    sortOrder: int
    device: bool

    @classmethod
    def of(cls, integration: Integration) -> Self:
        holder = integration.holder
        version = integration.vendor_key.version
        return cls(
            version=version.value,
            vendorKey=integration.vendor_key.value,
            subAccountName=holder.name if holder.is_sub_account else None,
            subAccountId=holder.account_id if holder.is_sub_account else None,
            subAccount=holder.is_sub_account,
            name=integration.name,
            description=integration.description,
            createdAt=integration.created_at,
            lastActiveAt=integration.last_active_at,
            scopes=sorted(integration.scopes),
            # "If this is from a legacy integration this is set to true".
            warning=version is Version.LEGACY,
            tokenId=integration.token_id,
            advancedType=integration.advanced_type,
            advancedState=integration.advanced_state,
            # "used for deleting the integration": DELETE's apiKeyId.
            clientId=str(integration.api_key_id),
            sortOrder=integration.vendor_key.sort_order,
            device=False,
        )
