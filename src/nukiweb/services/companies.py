"""Use cases of the Company tag: the partner companies every caller sees, and their import from
a data file the operator can replace (``nukiweb admin import-companies``)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from nukiweb.domain.companies import Company, check_companies
from nukiweb.domain.identity import Caller
from nukiweb.services.context import ServiceContext
from nukiweb.store import companies as store

# A handful of fictitious companies, shipped with the package: what --demo starts with, and
# what ``import-companies --example`` imports.
EXAMPLE_FILE = files("nukiweb") / "data" / "companies.example.json"


def list_companies(ctx: ServiceContext, caller: Caller) -> list[Company]:
    """The same list for every caller: the vendor's partners are not an account's."""
    del caller  # any valid token may read it
    with ctx.db.read() as conn:
        return store.list_companies(conn)


def import_companies(ctx: ServiceContext, items: Any, *, only_if_empty: bool = False) -> int:
    """Replaces the list with ``items`` (a parsed JSON document: an array of ``Company``) and
    answers how many companies it now has; with ``only_if_empty`` a list that has companies
    already is left as it is (and 0 answered)."""
    new = check_companies(items)
    with ctx.db.transaction() as conn:
        store.lock_companies(conn)
        if only_if_empty and store.has_companies(conn):
            return 0
        store.replace_companies(conn, new)
    return len(new)


def example_companies() -> Any:
    """The example set, as a parsed JSON document."""
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
