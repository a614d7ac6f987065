"""The ``nukiweb`` command, run as a real process: admin commands, errors, and the demo server
that a new user starts first."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from nukiweb.secrets import token_digest
from nukiweb.services.companies import EXAMPLE_FILE
from nukiweb.store import companies as company_store
from nukiweb.store import oauth as oauth_store
from nukiweb.store.database import Database, default_url
from tests.support import free_port

TIMEOUT = 60


UMASK = 0o022  # the usual one, which leaves new files readable by everyone


def nukiweb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nukiweb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        umask=UMASK,
    )


def test_create_account_and_token(tmp_path: Path) -> None:
    created = nukiweb(
        "admin", "create-account", "--email", "cli@example.com", "--password", "secret12",
        cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert re.fullmatch(r"\d+\n", created.stdout)
    assert (tmp_path / "nukiweb.db").exists()

    token = nukiweb(
        "admin", "create-token", "--email", "CLI@example.com", "--scope", "account",
        "--scope", "smartlock.log", "--description", "from the CLI", cwd=tmp_path,
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    assert re.fullmatch(r"nkw_[0-9a-f]{64}\n", token.stdout)

    secret = nukiweb("admin", "create-client-secret", "--email", "cli@example.com", cwd=tmp_path)
    assert secret.returncode == 0, secret.stderr
    assert re.fullmatch(r"[0-9a-f]{64}\n", secret.stdout)
    client_id = secret.stderr.rsplit(" ", 1)[-1].strip()
    database = Database(default_url(tmp_path))
    with database.read() as conn:
        client = oauth_store.get_client(conn, client_id)
    database.dispose()
    assert client is not None
    assert client.client_secret_digest == token_digest(secret.stdout.strip())  # only the digest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["admin", "create-account", "--email", "x@example.com", "--password", "short"],
            "password",
        ),
        (["admin", "create-account", "--email", "nope", "--password", "long enough"], "email"),
        (["admin", "create-token", "--email", "nobody@example.com"], "nobody@example.com"),
        (["admin", "create-token", "--email", "x@example.com", "--scope", "root"], "root"),
        (["admin", "create-account", "--password", "long enough"], "--email"),
        (["serve", "--port", "not-a-port"], "--port"),
        (["serve", "--database-url", "mysql://x/y"], "mysql"),
        (["serve", "--public-url", "ftp://nukiweb.example"], "--public-url"),
        (["serve", "--public-url", "https://nukiweb.example/prefix"], "--public-url"),
        (["serve", "--public-url", "https://user@nukiweb.example"], "--public-url"),
        (["serve", "--forwarded-allow-ips", "proxy.example"], "--forwarded-allow-ips"),
        (["serve", "--forwarded-allow-ips", "*"], "--forwarded-allow-ips"),
        (["serve", "--max-api-keys", "0"], "--max-api-keys"),
        (["serve", "--mqtt-url", "http://broker.lan"], "--mqtt-url"),
        (
            ["admin", "add-device", "--email", "x@x.example", "--type", "4", "--via", "mqtt"],
            "--nuki-id",
        ),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_arguments_are_one_line_and_non_zero(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = nukiweb(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("nukiweb: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_account_is_one_line_error(tmp_path: Path) -> None:
    args = ("admin", "create-account", "--email", "dup@example.com", "--password", "secret12")
    assert nukiweb(*args, cwd=tmp_path).returncode == 0
    again = nukiweb(*args, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr == "nukiweb: E-Mail address already exists\n"


def test_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/elsewhere.db"
    env = os.environ | {"NUKIWEB_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "nukiweb", "db", "upgrade"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "nukiweb.db").exists()


class DemoServer:
    def __init__(
        self,
        directory: Path,
        *args: str,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nukiweb", "serve", "--demo", "--port", str(self.port), *args],
            cwd=directory,
            env=os.environ | (env or {}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            umask=UMASK,
        )
        self.errors = ""
        self.output = self._read_until("curl ")
        token = re.search(r"API token: (nkw_[0-9a-f]+)", self.output)
        assert token, self.output
        self.token = token.group(1)
        self._wait_until_listening()

    def _read_until(self, marker: str) -> str:
        assert self.process.stdout is not None
        lines = []
        for line in self.process.stdout:
            lines.append(line)
            if marker in line:
                break
        return "".join(lines)

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/static/swagger/swagger.json")
            except httpx.TransportError:
                time.sleep(0.1)
            else:
                return
        raise AssertionError("the demo server did not start")

    def get_account(self, token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"http://127.0.0.1:{self.port}/account", headers=headers)

    def api(self, path: str, **params: str) -> Any:
        """The JSON body of an API ``GET`` with the printed token."""
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"http://127.0.0.1:{self.port}{path}"
        response = httpx.get(url, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        _out, self.errors = self.process.communicate(timeout=TIMEOUT)
        return self.process.returncode


def test_demo_server_answers_account_for_the_printed_token(tmp_path: Path) -> None:
    demo = DemoServer(tmp_path)
    try:
        assert "demo@nukiweb.local" in demo.output
        assert f"curl -H 'Authorization: Bearer {demo.token}'" in demo.output
        response = demo.get_account(demo.token)
        assert response.status_code == 200
        assert response.json()["email"] == "demo@nukiweb.local"
        assert demo.get_account(None).status_code == 401
    finally:
        # uvicorn finishes the requests in flight, then re-raises the signal it caught.
        assert demo.stop() in (0, -signal.SIGTERM)
        assert "Finished server process" in demo.errors


def test_demo_is_idempotent_and_replaces_its_token(tmp_path: Path) -> None:
    first = DemoServer(tmp_path)
    try:
        first_account = first.get_account(first.token).json()["accountId"]
    finally:
        first.stop()
    second = DemoServer(tmp_path)
    try:
        assert second.get_account(second.token).json()["accountId"] == first_account
        assert second.get_account(first.token).status_code == 401
        names = [user["name"] for user in second.api("/account/user")]
        assert sorted(name for name in names if name in DEMO_PEOPLE) == DEMO_PEOPLE
        names = [auth["name"] for auth in second.api("/smartlock/auth")]
        assert names.count("Cleaner") == 1
        assert names.count("Anna Berger") == 3
    finally:
        second.stop()


DEMO_PEOPLE = ["Anna Berger", "Ben Okafor"]
APP, FOB, KEYPAD_CODE = 0, 2, 13  # SmartlockAuth.type
MANUAL, APP_TRIGGER, AUTO_LOCK, KEYPAD = 1, 5, 6, 255  # SmartlockLog.trigger
REJECTED = 9  # SmartlockLog.state


def test_the_demo_account_has_people_codes_and_a_history(tmp_path: Path) -> None:
    demo = DemoServer(tmp_path)
    try:
        users = demo.api("/account/user")
        # Beside them, the guest the demo's booking feed brings (Ada Lovelace, arriving today).
        assert set(DEMO_PEOPLE) <= {user["name"] for user in users}
        ids = {user["name"]: user["accountUserId"] for user in users}
        auths = {(auth["name"], auth["type"]): auth for auth in demo.api("/smartlock/auth")}
        anna = [
            auth for (name, kind), auth in auths.items() if kind == APP and name == "Anna Berger"
        ]
        assert anna[0]["accountUserId"] == ids["Anna Berger"]
        assert auths[("Ben's fob", FOB)]["accountUserId"] == ids["Ben Okafor"]
        cleaner = auths[("Cleaner", KEYPAD_CODE)]
        # Weekdays (Monday 64 … Friday 4), 08:00-18:00 in minutes of the day.
        window = [
            cleaner[field] for field in ("allowedWeekDays", "allowedFromTime", "allowedUntilTime")
        ]
        assert window == [124, 480, 1080]
        assert ("Family", KEYPAD_CODE) in auths

        entries = demo.api("/smartlock/log", limit="50")
        assert len(entries) >= 12
        assert {MANUAL, APP_TRIGGER, AUTO_LOCK, KEYPAD} <= {entry["trigger"] for entry in entries}
        refused = [entry for entry in entries if entry["state"] == REJECTED]
        assert any(entry.get("error") == "Wrong entry code." for entry in refused)
        # Played over the days before the first start, ending with the doors locked.
        started = datetime.now(UTC)
        dates = [datetime.fromisoformat(entry["date"]) for entry in entries]
        assert all(date < started for date in dates)
        assert len({date.date() for date in dates}) >= 3
        locks = [device for device in demo.api("/smartlock") if device["type"] in (0, 3, 4)]
        assert [device["state"]["state"] for device in locks] == [1, 1, 1]
    finally:
        demo.stop()


def test_the_public_url_and_forwarded_headers_come_from_nukiwebs_options_only(
    tmp_path: Path,
) -> None:
    """NUKIWEB_PUBLIC_URL names the address in the banner; uvicorn's own FORWARDED_ALLOW_IPS
    does not make the server believe X-Forwarded-For (only --forwarded-allow-ips does)."""
    port = free_port()
    public = f"http://localhost:{port}"
    env = {"FORWARDED_ALLOW_IPS": "*", "NUKIWEB_PUBLIC_URL": public}
    demo = DemoServer(tmp_path, env=env, port=port)
    try:
        assert f"Swagger UI: {public}/\n" in demo.output
        assert f"{public}/account" in demo.output
        with httpx.Client(base_url=f"http://127.0.0.1:{demo.port}") as client:
            statuses = [
                sign_in_from(client, f"203.0.113.{n}", "wrong").status_code for n in range(6)
            ]
        assert statuses == [401] * 5 + [429]
    finally:
        demo.stop()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_its_key_and_a_new_data_dir_are_the_owners_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    demo = DemoServer(tmp_path, "--data-dir", str(data_dir))
    try:
        assert mode(data_dir) == 0o700
        names = ["nukiweb.db", "nukiweb.db-wal", "nukiweb.db-shm", "nukiweb.key"]
        assert {name: mode(data_dir / name) for name in names} == dict.fromkeys(names, 0o600)
    finally:
        demo.stop()


def sign_in_from(client: httpx.Client, address: str, password: str) -> httpx.Response:
    forwarded = {"X-Forwarded-For": address}
    form = client.get("/web/login", headers=forwarded)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    fields = {"csrf_token": token.group(1), "email": "demo@nukiweb.local", "password": password}
    return client.post("/web/login", data=fields, headers=forwarded)


def test_an_existing_store_readable_by_others_is_made_the_owners_only(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # a directory nukiweb did not make: left as it is
    created = nukiweb("db", "upgrade", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    store = tmp_path / "nukiweb.db"
    store.chmod(0o644)
    upgraded = nukiweb("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert mode(store) == 0o600
    assert mode(tmp_path) == 0o755


def test_serve_takes_its_limits_from_options_and_the_environment(tmp_path: Path) -> None:
    """The demo account has one API key with one token: both limits are reached."""
    demo = DemoServer(tmp_path, "--max-api-keys", "1", env={"NUKIWEB_MAX_TOKENS_PER_API_KEY": "1"})
    try:
        base = f"http://127.0.0.1:{demo.port}"
        headers = {"Authorization": f"Bearer {demo.token}"}
        key = httpx.put(f"{base}/api/key", json={"description": "k"}, headers=headers)
        assert key.status_code == 409, key.text
        assert key.json()["detailMessage"].endswith("limit on API keys: 1.")
        key_id = httpx.get(f"{base}/api/key", headers=headers).json()[0]["apiKeyId"]
        body = {"description": "t", "scopes": ["account"]}
        token = httpx.put(f"{base}/api/key/{key_id}/token", json=body, headers=headers)
        assert token.status_code == 409, token.text
        assert token.json()["detailMessage"].endswith("limit on API tokens: 1.")
    finally:
        demo.stop()


def listed_companies(directory: Path) -> list[dict[str, str]]:
    """The companies in the store of ``directory``, as GET /company answers them."""
    database = Database(default_url(directory))
    with database.read() as conn:
        found = company_store.list_companies(conn)
    database.dispose()
    return [
        {"name": company.name} | ({"email": company.email} if company.email else {})
        for company in found
    ]


def test_import_companies_replaces_the_list_and_prints_the_count(tmp_path: Path) -> None:
    partners = [{"name": "Alpine Rentals", "email": "alpine@example.com"}, {"name": "Lofts"}]
    (tmp_path / "partners.json").write_text(json.dumps(partners))
    result = nukiweb("admin", "import-companies", "partners.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Imported 2 companies.\n"
    assert listed_companies(tmp_path) == partners

    (tmp_path / "one.json").write_text(json.dumps([{"name": "Only One"}]))
    result = nukiweb("admin", "import-companies", str(tmp_path / "one.json"), cwd=tmp_path)
    assert result.stdout == "Imported 1 company.\n"
    assert listed_companies(tmp_path) == [{"name": "Only One"}]

    result = nukiweb("admin", "import-companies", "--example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    example = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    assert result.stdout == f"Imported {len(example)} companies.\n"
    assert listed_companies(tmp_path) == example
    assert all(company["name"].endswith("(example)") for company in example)

    (tmp_path / "bad.json").write_text(json.dumps([{"name": "Fine"}, {"name": " "}]))
    result = nukiweb("admin", "import-companies", "bad.json", cwd=tmp_path)
    assert result.returncode == 1
    assert listed_companies(tmp_path) == example  # a refused file changes nothing


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("{", ["companies.json"], "companies.json is not a JSON document"),
        ("", ["companies.json"], "companies.json is not a JSON document"),
        ('{"name": "A"}', ["companies.json"], "JSON array"),
        ('[{"name": "A"}, {"name": ""}]', ["companies.json"], "companies.json: "),
        ('[{"name": "A"}, {"name": ""}]', ["companies.json"], "'[1].name'"),
        ('[{"name": "A", "email": "nope"}]', ["companies.json"], "'[0].email'"),
        ('[{"name": "A", "url": "x"}]', ["companies.json"], "'[0].url'"),
        ("[]", ["missing.json"], "missing.json"),
        ("[]", ["."], "directory"),
        ("[]", [], "FILE or --example"),
        ("[]", ["companies.json", "--example"], "FILE or --example"),
    ],
)
def test_a_bad_companies_file_is_a_one_line_error(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    (tmp_path / "companies.json").write_text(content)
    result = nukiweb("admin", "import-companies", *args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("nukiweb: ")
    assert message in result.stderr


def test_demo_starts_with_the_example_companies_and_keeps_an_imported_list(
    tmp_path: Path,
) -> None:
    example = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    first = DemoServer(tmp_path)
    try:
        base = f"http://127.0.0.1:{first.port}"
        response = httpx.get(f"{base}/company", headers={"Authorization": f"Bearer {first.token}"})
        assert response.status_code == 200, response.text
        assert response.json() == example
    finally:
        first.stop()
    (tmp_path / "partners.json").write_text(json.dumps([{"name": "Ours"}]))
    assert nukiweb("admin", "import-companies", "partners.json", cwd=tmp_path).returncode == 0
    second = DemoServer(tmp_path)
    try:
        base = f"http://127.0.0.1:{second.port}"
        response = httpx.get(f"{base}/company", headers={"Authorization": f"Bearer {second.token}"})
        assert response.json() == [{"name": "Ours"}]
    finally:
        second.stop()


def test_a_lock_on_the_broker_is_claimed_once_by_its_nuki_id(tmp_path: Path) -> None:
    args = ("admin", "create-account", "--email", "owner@example.com", "--password", "secret12")
    assert nukiweb(*args, cwd=tmp_path).returncode == 0
    claim = (
        "admin", "add-device", "--email", "owner@example.com", "--type", "4", "--via", "mqtt",
        "--nuki-id", "2BB28570", "--name", "Front door",
    )  # fmt: skip
    claimed = nukiweb(*claim, cwd=tmp_path)
    assert claimed.returncode == 0, claimed.stderr
    assert claimed.stdout == f"{(4 << 32) | 0x2BB28570}\n"
    again = nukiweb(*claim, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr == "nukiweb: The lock 2BB28570 belongs to an account already.\n"
    opener = nukiweb(*claim[:5], "2", *claim[6:], cwd=tmp_path)
    assert opener.returncode == 1
    assert "type 4" in opener.stderr
    listed = nukiweb("admin", "broker-locks", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "2BB28570" not in listed.stdout  # claimed: no longer waiting
