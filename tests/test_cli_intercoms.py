"""``nukiweb admin import-intercoms``, run as a real process: the opener intercom catalog is
filled from a file in the vendor's shapes (or the example set), updated by id; a bad file is a
one-line error that imports nothing; the demo starts with the example set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from nukiweb.services.intercoms import EXAMPLE_FILE
from nukiweb.store import intercoms as intercom_store
from nukiweb.store.database import Database, default_url
from tests.test_cli import DemoServer, nukiweb


def model(intercom_id: int, brand_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "intercomId": intercom_id,
        "brandId": brand_id,
        "type": 1,
        "model": f"Model {intercom_id}",
        "verified": 1,
        "conGndBus": "",
        "conBusAudio": "",
        "conAudioout": "",
        "conDoorbellPlus": "1",
        "conDoorbellMinus": "2",
        "conOpendoor": "3",
        "conGndAnalogue": "4",
        "busModeSwitch": 0,
        "busModeSwitchShortCircuitDuration": 0,
    } | fields


def catalog_in(directory: Path) -> tuple[dict[int, str], dict[int, Any]]:
    """The brands' names and the models' documents in the store of ``directory``, by id."""
    database = Database(default_url(directory))
    with database.read() as conn:
        brands = {brand.brand_id: brand.brand for brand in intercom_store.list_brands(conn)}
        models = intercom_store.list_models(conn, brand_id=None, verified=None, updated_since=None)
    database.dispose()
    return brands, {found.intercom_id: dict(found.document) for found in models}


def test_import_intercoms_adds_and_updates_by_id_and_prints_the_counts(tmp_path: Path) -> None:
    first = {
        "brands": [{"brandId": 1, "brand": "Acme"}, {"brandId": 2, "brand": "Beta"}],
        "intercoms": [model(10, 1), model(11, 2)],
    }
    (tmp_path / "catalog.json").write_text(json.dumps(first))
    result = nukiweb("admin", "import-intercoms", "catalog.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Imported 2 brands (2 new, 0 updated, 0 unchanged) and "
        "2 intercoms (2 new, 0 updated, 0 unchanged).\n"
    )
    assert catalog_in(tmp_path) == ({1: "Acme", 2: "Beta"}, {10: model(10, 1), 11: model(11, 2)})

    again = nukiweb("admin", "import-intercoms", "catalog.json", cwd=tmp_path)
    assert again.stdout == (
        "Imported 2 brands (0 new, 0 updated, 2 unchanged) and "
        "2 intercoms (0 new, 0 updated, 2 unchanged).\n"
    )

    second = {"brands": [{"brandId": 1, "brand": "Acme AG"}], "intercoms": [model(11, 1)]}
    (tmp_path / "update.json").write_text(json.dumps(second))
    result = nukiweb("admin", "import-intercoms", str(tmp_path / "update.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Imported 1 brand (0 new, 1 updated, 0 unchanged) and "
        "1 intercom (0 new, 1 updated, 0 unchanged).\n"
    )
    assert catalog_in(tmp_path) == (
        {1: "Acme AG", 2: "Beta"},
        {10: model(10, 1), 11: model(11, 1)},
    )

    example = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    result = nukiweb("admin", "import-intercoms", "--example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Imported {len(example['brands'])} brands (")
    brands, models = catalog_in(tmp_path)
    assert {item["brandId"]: item["brand"] for item in example["brands"]}.items() <= brands.items()
    assert {10, 11} <= models.keys()  # the example is added to what was there

    bad = {"brands": [{"brandId": 1, "brand": "Changed"}], "intercoms": [model(12, 99)]}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    before = catalog_in(tmp_path)
    result = nukiweb("admin", "import-intercoms", "bad.json", cwd=tmp_path)
    assert result.returncode == 1
    assert catalog_in(tmp_path) == before  # a refused file changes nothing


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("{", ["catalog.json"], "catalog.json is not a JSON document"),
        ("", ["catalog.json"], "catalog.json is not a JSON document"),
        ("[" * 100_000, ["catalog.json"], "catalog.json is not a JSON document"),
        ("[]", ["catalog.json"], "catalog.json: "),
        ("[]", ["catalog.json"], "JSON object"),
        ('{"brand": []}', ["catalog.json"], "'brand'"),
        ('{"brands": [{"brandId": 1}]}', ["catalog.json"], "'brands[0].brand'"),
        ('{"brands": [{"brandId": "1", "brand": "A"}]}', ["catalog.json"], "'brands[0].brandId'"),
        (json.dumps({"intercoms": [model(1, 5)]}), ["catalog.json"], "'intercoms[0].brandId'"),
        (
            json.dumps({"brands": [{"brandId": 5, "brand": "A"}], "intercoms": [model(1, 5)] * 2}),
            ["catalog.json"],
            "'intercoms[1].intercomId'",
        ),
        ('{"brands": [{"brandId": 1, "brand": NaN}]}', ["catalog.json"], "NaN"),
        ("{}", ["missing.json"], "missing.json"),
        ("{}", ["."], "directory"),
        ("{}", [], "FILE or --example"),
        ("{}", ["catalog.json", "--example"], "FILE or --example"),
    ],
)
def test_a_bad_intercoms_file_is_a_one_line_error(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    (tmp_path / "catalog.json").write_text(content)
    result = nukiweb("admin", "import-intercoms", *args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("nukiweb: ")
    assert message in result.stderr


def test_demo_starts_with_the_example_intercoms(tmp_path: Path) -> None:
    example = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    demo = DemoServer(tmp_path)
    try:
        base = f"http://127.0.0.1:{demo.port}"
        brands = httpx.get(f"{base}/opener/brand")  # public: no token
        assert brands.status_code == 200, brands.text
        assert brands.json() == sorted(example["brands"], key=lambda item: item["brandId"])
        first = example["intercoms"][0]
        got = httpx.get(f"{base}/opener/intercom/{first['intercomId']}")
        assert got.json() == first
    finally:
        demo.stop()


def test_demo_keeps_an_imported_catalog(tmp_path: Path) -> None:
    ours = {"brands": [{"brandId": 1, "brand": "Ours"}]}
    (tmp_path / "catalog.json").write_text(json.dumps(ours))
    assert nukiweb("admin", "import-intercoms", "catalog.json", cwd=tmp_path).returncode == 0
    demo = DemoServer(tmp_path)
    try:
        response = httpx.get(f"http://127.0.0.1:{demo.port}/opener/brand")
        assert response.json() == ours["brands"]
    finally:
        demo.stop()
