"""Where the vendor's reference files are: for tests and code generators, never the server."""

import os
from pathlib import Path

SPEC_ENV = "NUKIWEB_VENDOR_SPEC"
SPEC_NAME = "nuki-web-api-openapi-3.9.0.json"


def vendor_spec_path() -> Path:
    """The vendor's OpenAPI file: ``$NUKIWEB_VENDOR_SPEC``, else ``../shared/reference/`` beside
    the checkout."""
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[2]
    return checkout.parent / "shared" / "reference" / SPEC_NAME
