"""The app matches the API's routes before the pages' and Swagger's (the cheaper order for the
API): that order decides nothing only if no path of the one kind is matched by a route of the
other."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import BaseRoute, Match

from nukiweb.api.app import create_app
from nukiweb.api.routing import CheckedRoute
from nukiweb.runtime import build_context
from nukiweb.store.database import Database
from nukiweb.web import ROUTERS as PAGE_ROUTERS


def _example(path: str) -> str:
    """A path the route's template names, each parameter a number (ids are)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _matches(route: BaseRoute, path: str) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    match, _ = route.matches(scope)
    return match is not Match.NONE


def test_no_path_of_the_api_is_matched_by_another_route_and_the_reverse(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'routes.db'}")
    try:
        app = create_app(build_context(database), simulator_api=True)
        api = [route for route in app.router.routes if isinstance(route, CheckedRoute)]
        others = [
            route
            for route in app.router.routes
            if not isinstance(route, CheckedRoute) and hasattr(route, "path")
        ]
        others += [route for router in PAGE_ROUTERS for route in router.routes]
        # Both kinds are there.
        assert len(api) > 100
        assert len(others) > 20
        for route in api:
            path = _example(route.path)
            assert not [other.path for other in others if _matches(other, path)], route.path
        for other in others:
            path = _example(getattr(other, "path", ""))
            assert not [route.path for route in api if _matches(route, path)], path
    finally:
        database.dispose()
