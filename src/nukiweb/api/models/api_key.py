"""Schemas of the ApiKey tag: ApiKey, ApiKeyToken and their create/update bodies."""

from __future__ import annotations

from pydantic import Field

from nukiweb.api.models.common import ApiDateTime, RequestModel, ResponseModel
from nukiweb.domain.accounts import ApiKey as ApiKeyRecord
from nukiweb.domain.accounts import ApiToken


class ApiKey(ResponseModel):
    apiKeyId: int
    accountId: int
    description: str | None = None
    redirectUris: list[str]
    creationDate: ApiDateTime
    apiKey: str

    @classmethod
    def of(cls, key: ApiKeyRecord) -> ApiKey:
        return cls(
            apiKeyId=key.api_key_id,
            accountId=key.account_id,
            description=key.description,
            redirectUris=key.redirect_uris,
            creationDate=key.creation_date,
            apiKey=key.api_key,
        )


class ApiKeyToken(ResponseModel):
    id: str
    accountId: int
    description: str | None = None
    accessToken: str | None = None
    scopes: list[str]
    creationDate: ApiDateTime

    @classmethod
    def of(cls, token: ApiToken, access_token: str | None = None) -> ApiKeyToken:
        return cls(
            id=token.id,
            accountId=token.account_id,
            description=token.description,
            accessToken=access_token,
            scopes=sorted(token.scopes),
            creationDate=token.creation_date,
        )


class ApiKeyCreate(RequestModel):
    description: str | None = None
    redirectUris: list[str] | None = Field(default=None, max_length=20)


class ApiKeyUpdate(ApiKeyCreate):
    pass


class ApiKeyTokenCreate(RequestModel):
    description: str | None = None
    scopes: list[str] | None = Field(default=None, max_length=20)


class ApiKeyTokenUpdate(ApiKeyTokenCreate):
    pass
