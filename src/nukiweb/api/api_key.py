"""Tag ApiKey: an account's API keys, the API tokens issued under them and their advanced API
keys (with the central webhook)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import (
    authorized,
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
from nukiweb.api.models.webhooks import AdvancedApiKey, AdvancedApiKeyCreate, AdvancedApiKeyUpdate
from nukiweb.api.parameters import Int32Id, TextId
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import api_keys, webhook_subscriptions

router = APIRouter(route_class=CheckedRoute)


@operation(router, "ApiKeysResource_get_get", response_model=list[ApiKey])
async def list_api_keys(request: Request) -> Response:
    call = authorized(request)
    keys = api_keys.list_api_keys(call.ctx, call.caller)
    return json_list_response([ApiKey.of(key) for key in keys], ApiKey)


@operation(router, "ApiKeysResource_put_put", response_model=ApiKey)
async def create_api_key(request: Request, body: ApiKeyCreate) -> Response:
    """Activates the Web API: the key's ``apiKey`` is the OAuth2 client id."""
    call = authorized(request)
    key = api_keys.create_api_key(call.ctx, call.caller, body.description, body.redirectUris)
    return json_response(ApiKey.of(key))


@operation(router, "ApiKeyResource_post_post", status_code=204)
async def update_api_key(request: Request, apiKeyId: Int32Id, body: ApiKeyUpdate) -> Response:
    call = authorized(request)
    api_keys.update_api_key(call.ctx, call.caller, apiKeyId, body.model_dump(exclude_unset=True))
    return no_content()


@operation(router, "ApiKeyResource_delete_delete", status_code=204)
async def delete_api_key(request: Request, apiKeyId: Int32Id) -> Response:
    """Deactivates the Web API: deletes the key and all its API tokens."""
    call = authorized(request)
    api_keys.delete_api_key(call.ctx, call.caller, apiKeyId)
    return no_content()


@operation(router, "ApiKeyTokensResource_get_get", response_model=list[ApiKeyToken])
async def list_api_key_tokens(request: Request, apiKeyId: Int32Id) -> Response:
    """Token values are never shown again after their creation."""
    call = authorized(request)
    tokens = api_keys.list_tokens(call.ctx, call.caller, apiKeyId)
    return json_list_response([ApiKeyToken.of(token) for token in tokens], ApiKeyToken)


@operation(router, "ApiKeyTokensResource_put_put", response_model=ApiKeyToken)
async def create_api_key_token(
    request: Request, apiKeyId: Int32Id, body: ApiKeyTokenCreate
) -> Response:
    """The answer carries ``accessToken``, the token's value, this once."""
    call = authorized(request)
    token, value = api_keys.create_token(
        call.ctx, call.caller, apiKeyId, body.description, body.scopes
    )
    return json_response(ApiKeyToken.of(token, access_token=value))


@operation(router, "ApiKeyTokenResource_post_post", status_code=204)
async def update_api_key_token(
    request: Request,
    apiKeyId: Int32Id,
    id: TextId,  # noqa: A002 - the vendor's parameter name
    body: ApiKeyTokenUpdate,
) -> Response:
    call = authorized(request)
    changes = body.model_dump(exclude_unset=True)
    api_keys.update_token(call.ctx, call.caller, apiKeyId, id, changes)
    return no_content()


@operation(router, "ApiKeyTokenResource_delete_delete", status_code=204)
async def delete_api_key_token(
    request: Request,
    apiKeyId: Int32Id,
    id: TextId,  # noqa: A002 - the vendor's parameter name
) -> Response:
    call = authorized(request)
    api_keys.delete_token(call.ctx, call.caller, apiKeyId, id)
    return no_content()


@operation(router, "ApiKeyAdvancedResource_get_get", response_model=AdvancedApiKey)
async def get_advanced_api_key(request: Request, apiKeyId: Int32Id) -> Response:
    """The client ``secret`` signs the central webhook's POSTs (``X-Nuki-Signature-SHA256``)."""
    call = authorized(request)
    advanced = webhook_subscriptions.get_advanced_key(call.ctx, call.caller, apiKeyId)
    return json_response(AdvancedApiKey.of(advanced))


@operation(router, "ApiKeyAdvancedResource_put_put", status_code=204)
async def create_advanced_api_key(
    request: Request, apiKeyId: Int32Id, body: AdvancedApiKeyCreate
) -> Response:
    """nukiweb approves the application at once (status ACTIVE); 409 if the key has one."""
    call = authorized(request)
    webhook_subscriptions.create_advanced_key(call.ctx, call.caller, apiKeyId, body.model_dump())
    return no_content()


@operation(router, "ApiKeyAdvancedResource_post_post", status_code=204)
async def update_advanced_api_key(
    request: Request, apiKeyId: Int32Id, body: AdvancedApiKeyUpdate
) -> Response:
    call = authorized(request)
    webhook_subscriptions.update_advanced_key(
        call.ctx, call.caller, apiKeyId, body.webhookUrl, body.webhookFeatures
    )
    return no_content()


@operation(router, "ApiKeyAdvancedResource_delete_delete", status_code=204)
async def delete_advanced_api_key(request: Request, apiKeyId: Int32Id) -> Response:
    """Deletes the advanced API key and its central webhook."""
    call = authorized(request)
    webhook_subscriptions.delete_advanced_key(call.ctx, call.caller, apiKeyId)
    return no_content()


@operation(router, "ApiKeyAdvancedReactivateResource_post_post", status_code=204)
async def reactivate_advanced_api_key(request: Request, apiKeyId: Int32Id) -> Response:
    """Sets a DEACTIVATED central webhook ACTIVE again; delivery resumes at once."""
    call = authorized(request)
    webhook_subscriptions.reactivate_advanced_key(call.ctx, call.caller, apiKeyId)
    return no_content()
