"""What the store's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nukiweb.store.database import Database


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated store whose calling thread keeps a reading connection, as the server's event
    loop does."""
    db = Database(database_url)
    db.upgrade()
    db.keep_reader()
    try:
        yield db
    finally:
        db.release_reader()
        db.dispose()
