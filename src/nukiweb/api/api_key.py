"""Tag ApiKey: an account's API keys and the API tokens issued under them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nukiweb.api.endpoint import (
    AuthorizedCall,
    Int32Id,
    json_list_response,
    json_response,
    no_content,
    operation,
)
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
async def list_api_keys(call: AuthorizedCall) -> Response:
    keys = api_keys.list_api_keys(call.ctx, call.caller)
    return json_list_response([ApiKey.of(key) for key in keys], ApiKey)


@operation(router, "ApiKeysResource_put_put", response_model=ApiKey)
async def create_api_key(call: AuthorizedCall, body: ApiKeyCreate) -> Response:
    """Activates the Web API: the key's ``apiKey`` is the OAuth2 client id."""
    key = api_keys.create_api_key(call.ctx, call.caller, body.description, body.redirectUris)
    return json_response(ApiKey.of(key))


@operation(router, "ApiKeyResource_post_post", status_code=204)
async def update_api_key(call: AuthorizedCall, apiKeyId: Int32Id, body: ApiKeyUpdate) -> Response:
    api_keys.update_api_key(call.ctx, call.caller, apiKeyId, body.model_dump(exclude_unset=True))
    return no_content()


@operation(router, "ApiKeyResource_delete_delete", status_code=204)
async def delete_api_key(call: AuthorizedCall, apiKeyId: Int32Id) -> Response:
    """Deactivates the Web API: deletes the key and all its API tokens."""
    api_keys.delete_api_key(call.ctx, call.caller, apiKeyId)
    return no_content()


@operation(router, "ApiKeyTokensResource_get_get", response_model=list[ApiKeyToken])
async def list_api_key_tokens(call: AuthorizedCall, apiKeyId: Int32Id) -> Response:
    """Token values are never shown again after their creation."""
    tokens = api_keys.list_tokens(call.ctx, call.caller, apiKeyId)
    return json_list_response([ApiKeyToken.of(token) for token in tokens], ApiKeyToken)


@operation(router, "ApiKeyTokensResource_put_put", response_model=ApiKeyToken)
async def create_api_key_token(
    call: AuthorizedCall, apiKeyId: Int32Id, body: ApiKeyTokenCreate
) -> Response:
    """The answer carries ``accessToken``, the token's value, this once."""
    token, value = api_keys.create_token(
        call.ctx, call.caller, apiKeyId, body.description, body.scopes
    )
    return json_response(ApiKeyToken.of(token, access_token=value))


@operation(router, "ApiKeyTokenResource_post_post", status_code=204)
async def update_api_key_token(
    call: AuthorizedCall,
    apiKeyId: Int32Id,
    id: str,  # noqa: A002 - the vendor's parameter name
    body: ApiKeyTokenUpdate,
) -> Response:
    changes = body.model_dump(exclude_unset=True)
    api_keys.update_token(call.ctx, call.caller, apiKeyId, id, changes)
    return no_content()


@operation(router, "ApiKeyTokenResource_delete_delete", status_code=204)
async def delete_api_key_token(
    call: AuthorizedCall,
    apiKeyId: Int32Id,
    id: str,  # noqa: A002 - the vendor's parameter name
) -> Response:
    api_keys.delete_token(call.ctx, call.caller, apiKeyId, id)
    return no_content()
