"""Tag Company: the partner companies of Nuki's network, as the operator imported them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import authorized, json_list_response, operation
from nukiweb.api.models.company import Company
from nukiweb.api.routing import CheckedRoute
from nukiweb.services import companies

router = APIRouter(route_class=CheckedRoute)


@operation(router, "CompaniesResource_get_get", response_model=list[Company])
async def list_companies(request: Request) -> Response:
    """Any valid token, whatever its scopes; the same list for every account (``nukiweb admin
    import-companies`` replaces it)."""
    call = authorized(request)
    found = companies.list_companies(call.ctx, call.caller)
    return json_list_response([Company.of(company) for company in found], Company)
