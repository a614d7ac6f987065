"""The server's operation table is what the vendor's OpenAPI description says, and the
OpenAPI document nukiweb serves carries the vendor's operationIds."""

from __future__ import annotations

from pathlib import Path

import httpx
from scripts.generate_operations import render

from nukiweb.api.operations import OPERATIONS
from tests.contract.validation import vendor_spec
from tests.support import RunningServer


def test_generated_table_matches_the_vendor_spec() -> None:
    table = Path(__file__).resolve().parents[2] / "src" / "nukiweb" / "api" / "operations.py"
    assert table.read_text() == render(vendor_spec()), "run scripts/generate_operations.py"


def test_served_document_has_every_vendor_operation(server: RunningServer) -> None:
    document = httpx.get(f"{server.base_url}/static/swagger/swagger.json").json()
    served = {
        (method.upper(), path, op["operationId"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    expected = {(op.method, op.path, op.operation_id) for op in OPERATIONS}
    assert expected <= served
    schemes = document["components"]["securitySchemes"]
    assert schemes["oauth"]["flows"]["implicit"]["authorizationUrl"] == "/oauth/authorize"


def test_swagger_ui_is_served_without_a_cdn(server: RunningServer) -> None:
    page = httpx.get(f"{server.base_url}/")
    assert page.status_code == 200
    assert "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert httpx.get(f"{server.base_url}/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
