"""Tag Opener over HTTP: the intercom catalog, public (no token needed, none looked at), as the
operator imported it; re-imports update brands and models by id.

The catalog is one for the whole server, which the session's tests share: each test imports
brands and models with ids of its own (``Ids``)."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any

import pytest

from nukiweb.api.models.common import format_datetime
from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.intercoms import RECENTLY_CHANGED
from nukiweb.services import intercoms
from nukiweb.services.intercoms import Counts
from tests.support import AccountFixture, ApiClient, RunningServer

# Ids of their own for each test: a block of 1,000 from a random start, below the example's.
_BLOCKS = itertools.count((10 + secrets.randbelow(1_000_000)) * 1_000, 1_000)


def fresh_id_block() -> int:
    return next(_BLOCKS)


def brand(brand_id: int, name: str | None = None) -> dict[str, Any]:
    return {"brandId": brand_id, "brand": name or f"Brand {brand_id} (test)"}


def model(intercom_id: int, brand_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "intercomId": intercom_id,
        "brandId": brand_id,
        "type": 2,
        "model": f"Model {intercom_id} (test)",
        "verified": 1,
        "conGndBus": "BUS-",
        "conBusAudio": "BUS+",
        "conAudioout": "",
        "conDoorbellPlus": "",
        "conDoorbellMinus": "",
        "conOpendoor": "",
        "conGndAnalogue": "",
        "busModeSwitch": 1,
        "busModeSwitchShortCircuitDuration": 10,
        "creationDate": "2026-01-05T10:00:00.000Z",
        "updateDate": "2026-01-06T11:30:00.000Z",
    } | fields


def imported(server: RunningServer, document: Any) -> intercoms.ImportResult:
    return intercoms.import_catalog(server.ctx, document)


@pytest.fixture
def public(account: AccountFixture) -> ApiClient:
    """A client without a token, whose responses are validated against the spec (closed with
    the account's)."""
    return account.api.with_token(None)


def test_brands_are_listed_and_got_without_a_token(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    brands = [brand(base + 2), brand(base + 1, "Ünïcode Türsprech GmbH (test)")]
    imported(account.api.server, {"brands": brands})
    response = public.get("/opener/brand")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    listed = [item for item in response.json() if base <= item["brandId"] < base + 1_000]
    assert listed == [brands[1], brands[0]]  # in the order of their ids
    got = public.get(f"/opener/brand/{base + 1}")
    assert got.status_code == 200, got.text
    assert got.json() == brands[1]


def test_models_of_a_brand_are_listed_and_got_as_imported(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    models = [
        model(base + 3, base),
        model(base + 1, base, conDoorbellPlus="1", conDoorbellMinus="2", type=1),
        model(base + 2, base + 1),  # another brand
    ]
    del models[1]["creationDate"], models[1]["updateDate"]  # optional
    imported(account.api.server, {"brands": [brand(base), brand(base + 1)], "intercoms": models})
    response = public.get("/opener/intercom", params={"brandId": base})
    assert response.status_code == 200, response.text
    assert response.json() == [models[1], models[0]]
    got = public.get(f"/opener/intercom/{base + 2}")
    assert got.status_code == 200, got.text
    assert got.json() == models[2]


def test_a_token_is_not_looked_at(account: AccountFixture) -> None:
    base = fresh_id_block()
    imported(account.api.server, {"brands": [brand(base)], "intercoms": [model(base, base)]})
    for client in (account.api, account.api.with_token("nkw_" + "0" * 64)):
        assert client.get(f"/opener/brand/{base}").status_code == 200
        assert client.get("/opener/intercom", params={"brandId": base}).json() == [
            model(base, base)
        ]


def test_dates_are_answered_in_utc_as_the_vendor_writes_them(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    written = model(base, base, creationDate="2026-03-01T12:00:00+02:00", updateDate=None)
    assert written["updateDate"] is None  # null: as if absent
    imported(account.api.server, {"brands": [brand(base)], "intercoms": [written]})
    answered = public.get(f"/opener/intercom/{base}").json()
    assert answered["creationDate"] == "2026-03-01T10:00:00.000Z"
    assert "updateDate" not in answered


def test_fields_the_spec_does_not_name_are_kept_but_not_answered(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    newer = model(base, base) | {"conVideo": "V1", "notes": {"x": 1}}
    imported(account.api.server, {"brands": [brand(base)], "intercoms": [newer]})
    assert public.get(f"/opener/intercom/{base}").json() == model(base, base)
    # Kept: importing the same object again changes nothing.
    again = imported(account.api.server, {"intercoms": [newer]})
    assert again.intercoms == Counts(unchanged=1)


def test_only_verified_models_unless_verified_is_ignored(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    models = [model(base + n, base, verified=n) for n in (1, 2, 3)]
    imported(account.api.server, {"brands": [brand(base)], "intercoms": models})
    listed = public.get("/opener/intercom", params={"brandId": base})
    assert listed.json() == [models[0]]
    for false in ("false", "0"):
        explicit = public.get("/opener/intercom", params={"brandId": base, "ignoreVerified": false})
        assert explicit.json() == [models[0]]
    ignoring = public.get("/opener/intercom", params={"brandId": base, "ignoreVerified": "true"})
    assert ignoring.status_code == 200, ignoring.text
    assert ignoring.json() == models
    # Got by id whatever its verified.
    assert public.get(f"/opener/intercom/{base + 3}").json() == models[2]


def test_recently_changed_lists_the_models_updated_in_the_last_30_days(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    now = account.api.server.ctx.clock.now()

    def updated(intercom_id: int, when: datetime | None) -> dict[str, Any]:
        made = model(intercom_id, base, updateDate=None if when is None else format_datetime(when))
        return {name: value for name, value in made.items() if value is not None}

    recent = updated(base + 1, now - timedelta(days=2))
    just_in = updated(base + 2, now - RECENTLY_CHANGED + timedelta(minutes=1))
    old = updated(base + 3, now - RECENTLY_CHANGED - timedelta(minutes=1))
    undated = updated(base + 4, None)
    unverified = updated(base + 5, now - timedelta(days=1)) | {"verified": 2}
    other_brand = model(base + 6, base + 1, updateDate=format_datetime(now))
    imported(
        account.api.server,
        {
            "brands": [brand(base), brand(base + 1)],
            "intercoms": [recent, just_in, old, undated, unverified, other_brand],
        },
    )
    of_brand = public.get("/opener/intercom", params={"brandId": base, "recentlyChanged": "true"})
    assert of_brand.status_code == 200, of_brand.text
    assert of_brand.json() == [recent, just_in]
    everyone = public.get("/opener/intercom", params={"recentlyChanged": "true"})
    assert everyone.status_code == 200, everyone.text
    mine = [item for item in everyone.json() if base <= item["intercomId"] < base + 1_000]
    assert mine == [recent, just_in, other_brand]
    ignoring = public.get(
        "/opener/intercom",
        params={"brandId": base, "recentlyChanged": "true", "ignoreVerified": "true"},
    )
    assert ignoring.json() == [recent, just_in, unverified]
    not_recent = public.get("/opener/intercom", params={"brandId": base, "recentlyChanged": "0"})
    assert not_recent.json() == [recent, just_in, old, undated]


def test_a_brand_id_is_required_unless_recently_changed(public: ApiClient) -> None:
    for params in ({}, {"recentlyChanged": "false"}, {"ignoreVerified": "true"}):
        response = public.get("/opener/intercom", params=params)
        assert response.status_code == 400, response.text
        assert "brandId" in response.json()["detailMessage"]


def test_a_brand_without_models_or_unknown_lists_none(
    account: AccountFixture, public: ApiClient
) -> None:
    base = fresh_id_block()
    imported(account.api.server, {"brands": [brand(base)]})
    for brand_id in (base, base + 1, 2**31, 2**40):
        response = public.get("/opener/intercom", params={"brandId": brand_id})
        assert response.status_code == 200, response.text
        assert response.json() == []


@pytest.mark.parametrize("kind", ["brand", "intercom"])
def test_unknown_ids_are_404(public: ApiClient, kind: str) -> None:
    base = fresh_id_block()
    for unknown in (base + 999, 2**31, -1):
        response = public.get(f"/opener/{kind}/{unknown}")
        assert response.status_code == 404, response.text
        assert response.json()["stackTrace"] == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/opener/brand/abc", {}),
        ("/opener/intercom/1.5", {}),
        ("/opener/intercom", {"brandId": "abc"}),
        ("/opener/intercom", {"brandId": "1", "ignoreVerified": "maybe"}),
        ("/opener/intercom", {"recentlyChanged": "yes please"}),
        ("/opener/intercom", {"brandId": str(2**70)}),
    ],
)
def test_bad_parameters_are_400(public: ApiClient, path: str, params: dict[str, str]) -> None:
    response = public.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["detailMessage"].startswith("The supplied value")


def test_a_re_import_updates_by_id_and_keeps_the_rest(
    account: AccountFixture, public: ApiClient
) -> None:
    server = account.api.server
    base = fresh_id_block()
    first = imported(
        server,
        {
            "brands": [brand(base), brand(base + 1)],
            "intercoms": [model(base + 1, base), model(base + 2, base), model(base + 3, base)],
        },
    )
    assert first.brands == Counts(new=2)
    assert first.intercoms == Counts(new=3)
    moved = model(base + 2, base + 1, model="Renamed (test)", verified=1)
    second = imported(
        server,
        {
            "brands": [brand(base, "Renamed brand (test)"), brand(base + 2)],
            "intercoms": [model(base + 1, base), moved, model(base + 4, base + 2)],
        },
    )
    assert second.brands == Counts(new=1, updated=1)
    assert second.intercoms == Counts(new=1, updated=1, unchanged=1)
    assert public.get(f"/opener/brand/{base}").json() == brand(base, "Renamed brand (test)")
    assert public.get(f"/opener/brand/{base + 1}").json() == brand(base + 1)  # kept
    of_first = public.get("/opener/intercom", params={"brandId": base}).json()
    assert of_first == [model(base + 1, base), model(base + 3, base)]
    assert public.get("/opener/intercom", params={"brandId": base + 1}).json() == [moved]
    assert public.get(f"/opener/intercom/{base + 4}").status_code == 200


def test_an_import_is_idempotent(account: AccountFixture, public: ApiClient) -> None:
    base = fresh_id_block()
    document = {
        "_comment": "ignored",
        "brands": [brand(base)],
        "intercoms": [model(base, base), model(base + 1, base)],
    }
    imported(account.api.server, document)
    before = public.get("/opener/intercom", params={"brandId": base}).json()
    again = imported(account.api.server, document)
    assert again.brands == Counts(unchanged=1)
    assert again.intercoms == Counts(unchanged=2)
    assert public.get("/opener/intercom", params={"brandId": base}).json() == before


def test_models_may_name_a_brand_already_stored(account: AccountFixture, public: ApiClient) -> None:
    base = fresh_id_block()
    imported(account.api.server, {"brands": [brand(base)]})
    result = imported(account.api.server, {"intercoms": [model(base, base)]})
    assert result.brands == Counts()
    assert result.intercoms == Counts(new=1)
    assert public.get("/opener/intercom", params={"brandId": base}).json() == [model(base, base)]


def test_a_refused_import_changes_nothing(account: AccountFixture, public: ApiClient) -> None:
    server = account.api.server
    base = fresh_id_block()
    imported(server, {"brands": [brand(base)], "intercoms": [model(base, base)]})
    bad = {
        "brands": [brand(base, "Changed (test)"), brand(base + 1)],
        "intercoms": [model(base, base, model="Changed"), model(base + 1, base + 7)],
    }
    with pytest.raises(InvalidParameter, match=r"intercoms\[1\]\.brandId"):
        imported(server, bad)
    assert public.get(f"/opener/brand/{base}").json() == brand(base)
    assert public.get(f"/opener/brand/{base + 1}").status_code == 404
    assert public.get("/opener/intercom", params={"brandId": base}).json() == [model(base, base)]


def test_the_example_set_is_marked_and_loads_only_into_an_empty_catalog(
    account: AccountFixture, public: ApiClient
) -> None:
    server = account.api.server
    example = intercoms.example_catalog()
    assert "example" in example["_comment"].lower()
    assert all(item["brand"].endswith("(example)") for item in example["brands"])
    assert all(item["model"].endswith("(example)") for item in example["intercoms"])
    intercoms.import_example(server.ctx)
    # The session's catalog has brands: the example is not imported again.
    assert intercoms.import_example(server.ctx, only_if_empty=True) is None
    listed = public.get("/opener/brand").json()
    assert all(item in listed for item in example["brands"])
    for item in example["intercoms"]:
        assert public.get(f"/opener/intercom/{item['intercomId']}").json() == item
