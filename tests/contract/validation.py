"""Validation of real HTTP responses against the vendor's own OpenAPI description.

The vendor's file is read from ``../shared/reference/`` (or ``$NUKIWEB_VENDOR_SPEC``), never from
a copy in this repository. In memory only, two things are adjusted so that its schemas apply:
its ``*/*`` response contents are re-keyed to ``application/json``, and its ``servers`` entry
(https://api.nuki.io) is replaced by the test server's address.

Spec errata: where the vendor's description contradicts the service it describes, nukiweb does
what the service does and the validator checks against what the spec means (listed in
``SPEC_ERRATA`` and in docs/conformance.md).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30ReadValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from nukiweb.reference import vendor_spec_path

HOST = "https://api.nuki.io"

# (method, path) → (operationId, the spec schema of its answer), for operations of the vendor's
# service that its spec omits (nukiweb.api.extra_operations).
EXTRA_OPERATIONS = {("PUT", "/smartlock"): ("SmartlocksResource_put_put", "Smartlock")}

# What the service answers where the spec's schema says otherwise (docs/conformance.md).
SPEC_ERRATA = {
    "AccountSubsResource_get_get": "an array of Account (the spec says a single Account)",
    "SmartlockLog.state": "0 for success, which the text lists (the spec says minimum 1)",
    "SmartlockAuth.type": "13 keypad code and the others its text lists (the spec says maximum 2)",
    "SmartlockAuth.operationId": "a string, as on every other schema (the spec says ObjectId)",
    "WebhookMessage.body": "any JSON object, a webhook's body (the spec says one of objects only)",
    "AddressUnitResponse.redeemDate": "absent until the unit's token is redeemed (the spec says "
    "required)",
    "AddressToken.redeemDate": "absent until the token is redeemed, as redeemAccountId (the spec "
    "says required)",
    "AccountSubscription.id": "a 24-hex string, as every other id (the spec says ObjectId)",
}


@cache
def vendor_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(vendor_spec_path().read_text())
    return spec


@cache
def json_keyed_spec() -> dict[str, Any]:
    spec = copy.deepcopy(vendor_spec())
    for item in spec["paths"].values():
        for op in item.values():
            for response in op.get("responses", {}).values():
                content = response.get("content", {})
                if "*/*" in content:
                    content["application/json"] = content.pop("*/*")
    return spec


@cache
def erratum_spec() -> dict[str, Any]:
    """The description as the service behaves (``SPEC_ERRATA``), in a copy of its own."""
    spec = copy.deepcopy(json_keyed_spec())
    sub_list = spec["paths"]["/account/sub"]["get"]["responses"]["200"]["content"]
    sub_list["application/json"]["schema"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Account"},
    }
    schemas = spec["components"]["schemas"]
    schemas["SmartlockLog"]["properties"]["state"]["minimum"] = 0
    schemas["SmartlockAuth"]["properties"]["type"]["maximum"] = 15
    schemas["SmartlockAuth"]["properties"]["operationId"] = {"type": "string"}
    schemas["WebhookMessage"]["properties"]["body"]["additionalProperties"] = {}
    schemas["AddressUnitResponse"]["required"].remove("redeemDate")
    schemas["AddressToken"]["required"].remove("redeemDate")
    schemas["AddressToken"]["required"].remove("redeemAccountId")
    schemas["AccountSubscription"]["properties"]["id"] = {"type": "string"}
    return spec


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        self.host_url = HOST
        self.path = request.url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(request.url.query.decode())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))


class ContractViolation(AssertionError):
    pass


class ContractValidator:
    """Checks each response: a status the spec lists for the operation has its schema checked;
    every error has the vendor's JSON error body. Records the operations whose successful
    responses were checked."""

    def __init__(self) -> None:
        self._openapi = OpenAPI.from_dict(erratum_spec())
        self.validated: set[str] = set()
        self._operations = _operation_index(json_keyed_spec())

    def validate(self, response: httpx.Response) -> None:
        method, path = response.request.method, response.request.url.path
        operation = self._operations.find(method, path)
        if response.status_code >= 500:
            raise ContractViolation(f"{method} {path} answered {response.status_code}")
        if response.status_code >= 400:
            _check_error_body(response)
            return
        if (method, path) in EXTRA_OPERATIONS:
            self._validate_extra(response, *EXTRA_OPERATIONS[method, path])
            return
        if operation is None:
            return
        op_id, listed = operation
        if str(response.status_code) not in listed:
            raise ContractViolation(
                f"{op_id} answered {response.status_code}, which the spec does not list ({listed})"
            )
        try:
            self._openapi.validate_response(_Request(response.request), _Response(response))
        except Exception as error:  # openapi-core raises a tree of its own errors
            details = getattr(error, "__cause__", None) or error
            raise ContractViolation(f"{op_id}: {error}: {details}") from error
        self.validated.add(op_id)

    def _validate_extra(self, response: httpx.Response, op_id: str, schema_name: str) -> None:
        """An operation the vendor's service has but its spec omits: its body is checked
        against the spec's schema of what it answers."""
        document = {
            "$ref": f"#/components/schemas/{schema_name}",
            "components": erratum_spec()["components"],
        }
        try:
            OAS30ReadValidator(document).validate(response.json())
        except Exception as error:
            raise ContractViolation(f"{op_id}: {error}") from error
        self.validated.add(op_id)


def _check_error_body(response: httpx.Response) -> None:
    assert response.headers.get("content-type", "").startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body.get("detailMessage"), str), body
    assert body["detailMessage"], body
    assert "Traceback" not in response.text


class _OperationIndex:
    def __init__(self, entries: list[tuple[str, list[str], str, list[str]]]) -> None:
        self._entries = entries

    def find(self, method: str, path: str) -> tuple[str, list[str]] | None:
        segments = path.strip("/").split("/")
        best: tuple[int, str, list[str]] | None = None
        for entry_method, pattern, op_id, listed in self._entries:
            if entry_method != method.upper() or len(pattern) != len(segments):
                continue
            if all(p.startswith("{") or p == s for p, s in zip(pattern, segments, strict=True)):
                literal = sum(not p.startswith("{") for p in pattern)
                if best is None or literal > best[0]:
                    best = (literal, op_id, listed)
        return None if best is None else (best[1], best[2])


def _operation_index(spec: dict[str, Any]) -> _OperationIndex:
    entries = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            entries.append(
                (
                    method.upper(),
                    path.strip("/").split("/"),
                    op["operationId"],
                    list(op.get("responses", {})),
                )
            )
    return _OperationIndex(entries)
