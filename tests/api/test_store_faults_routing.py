"""Every route runs a request once more when a read lost its connection under it, unless the
request had begun a transaction (its writes are not done twice): then, as for any store that
cannot answer, 503 with ``Retry-After`` and the vendor's error body. In process, on a small app
with nukiweb's routes and error handlers: a connection lost in the middle of a read is hard to
time over the network (tests/test_database_faults.py does the rest for real)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from nukiweb.api import errors
from nukiweb.api.routing import CheckedRoute
from nukiweb.store.database import Database
from nukiweb.store.faults import ConnectionLost, StoreUnavailable
from tests.support import run_on_a_loop_of_its_own


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'nukiweb.db'}")
    try:
        yield db
    finally:
        db.dispose()


def _app(database: Database, runs: list[str]) -> FastAPI:
    router = APIRouter(route_class=CheckedRoute)

    @router.get("/read")
    async def read() -> JSONResponse:
        runs.append("read")
        if len(runs) == 1:
            raise ConnectionLost("the server closed the connection")
        return JSONResponse({"runs": len(runs)})

    @router.post("/write-then-read")
    async def write_then_read() -> JSONResponse:
        runs.append("write")
        with database.transaction():
            pass
        raise ConnectionLost("the server closed the connection")

    @router.post("/read-then-write")
    async def read_then_write(body: dict[str, int]) -> JSONResponse:
        runs.append("post")
        if len(runs) == 1:
            raise ConnectionLost("the server closed the connection")
        with database.transaction():
            pass
        return JSONResponse(body)

    @router.get("/down")
    async def down() -> JSONResponse:
        runs.append("down")
        raise StoreUnavailable("connection refused")

    app = FastAPI()
    errors.install(app)
    app.include_router(router)
    return app


class Client:
    """Requests to the app in process (ASGI), each on an event loop of its own."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

        return run_on_a_loop_of_its_own(send)


@pytest.fixture
def runs() -> list[str]:
    return []


@pytest.fixture
def client(database: Database, runs: list[str]) -> Client:
    return Client(_app(database, runs))


def test_a_read_that_lost_its_connection_runs_once_more(client: Client) -> None:
    response = client.request("GET", "/read")
    assert response.status_code == 200
    assert response.json() == {"runs": 2}


def test_a_request_that_has_written_nothing_runs_again_with_its_body(
    client: Client, runs: list[str]
) -> None:
    response = client.request("POST", "/read-then-write", json={"a": 1})
    assert response.status_code == 200
    assert response.json() == {"a": 1}
    assert runs == ["post", "post"]


def test_a_request_that_began_a_transaction_is_not_run_again(
    client: Client, runs: list[str]
) -> None:
    response = client.request("POST", "/write-then-read")
    assert response.status_code == 503
    assert runs == ["write"]
    assert response.headers["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert response.json()["detailMessage"]


def test_a_store_out_of_reach_is_503_at_once(client: Client, runs: list[str]) -> None:
    response = client.request("GET", "/down")
    assert response.status_code == 503
    assert runs == ["down"]
    assert response.json() == errors.error_body(errors.UNAVAILABLE_MESSAGE)
