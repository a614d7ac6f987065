"""The layers of the package, as its imports show them: bridges report through an interface of
their own and never reach up into services or the HTTP layers; the domain is plain rules,
importing nothing of nukiweb above it and nothing that does I/O; services know no web
framework and no HTTP layer.

Every import counts wherever it is written: at the top, inside a function, or under
``if TYPE_CHECKING:`` (an annotation is a dependency too). The sources checked are those of the
``nukiweb`` package that is imported, so ``PYTHONPATH`` can point the test at another tree."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import nukiweb

PACKAGE = Path(nukiweb.__file__).parent


@dataclass(frozen=True, slots=True)
class Import:
    importer: str  # the module that imports, by its dotted name
    imported: str  # what it imports: the module, or the module it takes a name from
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


@dataclass(frozen=True, slots=True)
class Rule:
    layer: str  # the package whose modules the rule is about
    forbidden: tuple[str, ...]  # packages or modules they must not import
    allowed: tuple[str, ...] = ()  # exceptions inside what ``forbidden`` covers

    def broken_by(self, found: Import) -> bool:
        if not _under(found.importer, self.layer):
            return False
        return any(_under(found.imported, name) for name in self.forbidden) and not any(
            _under(found.imported, name) for name in self.allowed
        )


# Libraries whose business is I/O, or frameworks around it. ``socket`` is not among them: the
# domain's webhook rules use ``socket.inet_aton`` as a parser of addresses, nothing more.
IO_LIBRARIES = (
    "aiomqtt", "alembic", "anyio", "asyncio", "fastapi", "h11", "httpcore", "httpx", "jinja2",
    "os", "paho", "pathlib", "psycopg", "requests", "shutil", "smtplib", "sqlalchemy",
    "sqlite3", "ssl", "starlette", "subprocess", "threading", "uvicorn",
)  # fmt: skip

BRIDGES = Rule("nukiweb.bridges", ("nukiweb.services", "nukiweb.api", "nukiweb.web"))
RULES = {
    "bridges report through their own interface, never reaching services or the HTTP layers": (
        BRIDGES
    ),
    "the domain imports nothing of nukiweb above it": Rule(
        "nukiweb.domain", ("nukiweb",), allowed=("nukiweb.domain",)
    ),
    "the domain does no I/O": Rule("nukiweb.domain", IO_LIBRARIES),
    "services know no web framework and no HTTP layer": Rule(
        "nukiweb.services", ("fastapi", "starlette", "nukiweb.api", "nukiweb.web")
    ),
}

# Breaches known and yet to be mended, each with its reason; one that is mended must leave
# this list (``test_every_known_breach_is_still_there``), so that it cannot come back unseen.
KNOWN_BREACHES = {
    # Webhook payloads are shaped with the API's documents (pydantic, no HTTP); they belong
    # below api/.
    ("nukiweb.services.events", "nukiweb.api.log_views"),
    ("nukiweb.services.events", "nukiweb.api.models.authorization"),
    ("nukiweb.services.events", "nukiweb.api.smartlock_views"),
}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def imports_of(
    importer: str, source: str, known: set[str], *, is_package: bool
) -> Iterator[Import]:
    """Every import of the module's source, top-level or not; ``from a import b`` imports the
    module ``a.b`` if there is one (``known``), otherwise a name of ``a``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(importer, node, is_package=is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield Import(importer, submodule if submodule in known else base, node.lineno)


def _absolute(importer: str, node: ast.ImportFrom, *, is_package: bool) -> str:
    if node.level == 0:
        assert node.module is not None
        return node.module
    parts = importer.split(".")
    # A module's relative imports start from its package; a package's, from itself.
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def all_imports(package: Path = PACKAGE) -> list[Import]:
    found = modules(package)
    known = set(found)
    return [
        each
        for name, path in found.items()
        for each in imports_of(
            name, path.read_text(encoding="utf-8"), known, is_package=path.stem == "__init__"
        )
    ]


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_layers_keep_their_rule(rule: Rule, imports: list[Import]) -> None:
    breaches = [
        str(each)
        for each in imports
        if rule.broken_by(each) and (each.importer, each.imported) not in KNOWN_BREACHES
    ]
    assert breaches == []


def test_every_known_breach_is_still_there(imports: list[Import]) -> None:
    found = {(each.importer, each.imported) for each in imports}
    assert KNOWN_BREACHES - found == set()


def test_every_rule_is_about_modules_that_exist(imports: list[Import]) -> None:
    importers = {each.importer for each in imports}
    for rule in RULES.values():
        assert any(_under(name, rule.layer) for name in importers), rule.layer


IMPORTS_EVERYWHERE = """
from __future__ import annotations
from typing import TYPE_CHECKING
from nukiweb import services
from . import sibling
from .. import store

if TYPE_CHECKING:
    from nukiweb.api.models import common

def later() -> None:
    import fastapi
"""


def test_imports_are_found_wherever_they_are_written() -> None:
    known = {"nukiweb.services", "nukiweb.bridges.sibling", "nukiweb.store"}
    found = imports_of("nukiweb.bridges.example", IMPORTS_EVERYWHERE, known, is_package=False)
    assert sorted((each.imported, each.line) for each in found) == [
        ("__future__", 2),
        ("fastapi", 12),
        ("nukiweb.api.models", 9),
        ("nukiweb.bridges.sibling", 5),
        ("nukiweb.services", 4),
        ("nukiweb.store", 6),
        ("typing", 3),
    ]


def test_a_breach_is_seen() -> None:
    source = "from nukiweb.services import events\n"
    found = list(imports_of("nukiweb.bridges.example", source, set(), is_package=False))
    assert [BRIDGES.broken_by(each) for each in found] == [True]
