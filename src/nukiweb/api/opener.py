"""Tag Opener: the catalog of opener-compatible intercoms, open to anyone (the vendor's spec
gives these operations no security entry), as the operator imported it (``nukiweb admin
import-intercoms``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nukiweb.api.endpoint import json_list_response, json_response, operation
from nukiweb.api.models.common import Int64
from nukiweb.api.models.opener import OpenerIntercomBrand, OpenerIntercomModel
from nukiweb.api.parameters import Int32Id
from nukiweb.api.routing import CheckedRoute
from nukiweb.domain.intercoms import check_query
from nukiweb.services import intercoms
from nukiweb.services.context import ServiceContext

router = APIRouter(route_class=CheckedRoute)


def _ctx(request: Request) -> ServiceContext:
    """A public operation's context: no token is asked for, and none is looked at."""
    ctx: ServiceContext = request.app.state.ctx
    return ctx


@operation(router, "OpenerBrandsResource_get_get", response_model=list[OpenerIntercomBrand])
async def list_brands(request: Request) -> Response:
    """Every brand of the catalog, in the order of their ids."""
    found = intercoms.list_brands(_ctx(request))
    return json_list_response(
        [OpenerIntercomBrand.of(brand) for brand in found], OpenerIntercomBrand
    )


@operation(router, "OpenerBrandResource_get_get", response_model=OpenerIntercomBrand)
async def get_brand(request: Request, brandId: Int32Id) -> Response:
    return json_response(OpenerIntercomBrand.of(intercoms.get_brand(_ctx(request), brandId)))


@operation(router, "OpenerIntercomsResource_get_get", response_model=list[OpenerIntercomModel])
async def list_intercoms(
    request: Request,
    brandId: Int64 | None = None,
    ignoreVerified: bool | None = None,
    recentlyChanged: bool | None = None,
) -> Response:
    """The brand's models, or (``recentlyChanged``) those whose ``updateDate`` is within the
    last 30 days, or both; only verified ones (``verified`` 1) unless ``ignoreVerified``.
    ``brandId`` is required unless ``recentlyChanged`` is true (400 otherwise)."""
    query = check_query(brandId, ignore_verified=ignoreVerified, recently_changed=recentlyChanged)
    found = intercoms.list_models(_ctx(request), query)
    return json_list_response(
        [OpenerIntercomModel.of(model) for model in found], OpenerIntercomModel
    )


@operation(router, "OpenerIntercomResource_get_get", response_model=OpenerIntercomModel)
async def get_intercom(request: Request, intercomId: Int32Id) -> Response:
    """Any model of the catalog, whatever its ``verified``."""
    return json_response(OpenerIntercomModel.of(intercoms.get_model(_ctx(request), intercomId)))
