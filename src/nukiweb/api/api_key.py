"""Tag ApiKey: an account's API keys and the API tokens issued under them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nukiweb.api.endpoint import CallerDep, ContextDep, Int32Id, operation
from nukiweb.api.models.api_key import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyToken,
    ApiKeyTokenCreate,
    ApiKeyTokenUpdate,
    ApiKeyUpdate,
)
from nukiweb.services import api_keys

router = APIRouter()


@operation(router, "ApiKeysResource_get_get", response_model=list[ApiKey])
async def list_api_keys(ctx: ContextDep, caller: CallerDep) -> list[ApiKey]:
    return [ApiKey.of(key) for key in api_keys.list_api_keys(ctx, caller)]


@operation(router, "ApiKeysResource_put_put", response_model=ApiKey)
async def create_api_key(ctx: ContextDep, caller: CallerDep, body: ApiKeyCreate) -> ApiKey:
    """Activates the Web API: the key's ``apiKey`` is the OAuth2 client id."""
    return ApiKey.of(api_keys.create_api_key(ctx, caller, body.description, body.redirectUris))


@operation(router, "ApiKeyResource_post_post", status_code=204)
async def update_api_key(
    ctx: ContextDep,
    caller: CallerDep,
    apiKeyId: Int32Id,
    body: ApiKeyUpdate,
) -> Response:
    api_keys.update_api_key(ctx, caller, apiKeyId, body.model_dump(exclude_unset=True))
    return Response(status_code=204)


@operation(router, "ApiKeyResource_delete_delete", status_code=204)
async def delete_api_key(ctx: ContextDep, caller: CallerDep, apiKeyId: Int32Id) -> Response:
    """Deactivates the Web API: deletes the key and all its API tokens."""
    api_keys.delete_api_key(ctx, caller, apiKeyId)
    return Response(status_code=204)


@operation(router, "ApiKeyTokensResource_get_get", response_model=list[ApiKeyToken])
async def list_api_key_tokens(
    ctx: ContextDep,
    caller: CallerDep,
    apiKeyId: Int32Id,
) -> list[ApiKeyToken]:
    """Token values are never shown again after their creation."""
    return [ApiKeyToken.of(token) for token in api_keys.list_tokens(ctx, caller, apiKeyId)]


@operation(router, "ApiKeyTokensResource_put_put", response_model=ApiKeyToken)
async def create_api_key_token(
    ctx: ContextDep,
    caller: CallerDep,
    apiKeyId: Int32Id,
    body: ApiKeyTokenCreate,
) -> ApiKeyToken:
    """The answer carries ``accessToken``, the token's value, this once."""
    token, value = api_keys.create_token(ctx, caller, apiKeyId, body.description, body.scopes)
    return ApiKeyToken.of(token, access_token=value)


@operation(router, "ApiKeyTokenResource_post_post", status_code=204)
async def update_api_key_token(
    ctx: ContextDep,
    caller: CallerDep,
    apiKeyId: Int32Id,
    id: str,  # noqa: A002 - the vendor's parameter name
    body: ApiKeyTokenUpdate,
) -> Response:
    api_keys.update_token(ctx, caller, apiKeyId, id, body.model_dump(exclude_unset=True))
    return Response(status_code=204)


@operation(router, "ApiKeyTokenResource_delete_delete", status_code=204)
async def delete_api_key_token(
    ctx: ContextDep,
    caller: CallerDep,
    apiKeyId: Int32Id,
    id: str,  # noqa: A002
) -> Response:
    api_keys.delete_token(ctx, caller, apiKeyId, id)
    return Response(status_code=204)
