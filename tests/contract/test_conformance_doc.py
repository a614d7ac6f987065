"""docs/conformance.md says what the code does."""

from __future__ import annotations

from scripts.conformance import TARGET, render


def test_conformance_doc_is_current() -> None:
    assert TARGET.read_text() == render(), "run scripts/conformance.py"
