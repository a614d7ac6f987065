"""A webhook's request goes to the address that was checked (no DNS rebinding): the host name is
resolved once per connection, every address is checked, and the connection goes to a checked
one without resolving the name again.

The server here resolves webhook host names with a scripted resolver that answers differently
from one call to the next, as a rebinding name server does. It has a database of its own: the
session server's worker, with the system's resolver, must not serve these subscribers."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nukiweb.webhooks.addresses import resolve_with_system
from tests.api.test_webhook_delivery import central, decentral, key_id, lock, webhook_logs
from tests.contract.validation import ContractValidator
from tests.databases import BACKENDS, database_for
from tests.devices import add_device
from tests.support import AccountFixture, RunningServer, make_account, running_server
from tests.webhooks import receiver, wait_until


class ScriptedResolver:
    """Answers a scripted host name with its next answer (the last one again once the script
    is used up); other names (the IP addresses of other tests) as the system does."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[list[str]]] = {}
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        script = self.scripts.get(host)
        if script is None:
            return await resolve_with_system(host, port)
        self.calls.append(host)
        return script.pop(0) if len(script) > 1 else script[0]


RESOLVER = ScriptedResolver()


@dataclass(frozen=True)
class Authority:
    """A certificate authority of the tests, and a server certificate it issued."""

    ca_file: Path
    server: ssl.SSLContext  # presents the certificate, for TLS_NAME only


TLS_NAME = "tls.test"


def issue(
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    extensions: list[x509.ExtensionType],
) -> x509.Certificate:
    """A certificate valid now; its basic constraints critical, other extensions not."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder(issuer_name=issuer, subject_name=subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
    )
    for extension in extensions:
        critical = isinstance(extension, x509.BasicConstraints)
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nukiweb tests")])
    ca = issue(ca_name, ca_key, ca_name, ca_key, [
        x509.BasicConstraints(ca=True, path_length=None),
        x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
    ])  # fmt: skip
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_NAME)])
    certificate = issue(ca_name, ca_key, name, key, [
        x509.SubjectAlternativeName([x509.DNSName(TLS_NAME)]),
        x509.BasicConstraints(ca=False, path_length=None),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
    ])  # fmt: skip
    directory = tmp_path_factory.mktemp("authority")
    ca_file, chain_file = directory / "ca.pem", directory / "server.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    private = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    chain_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, *private)
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(chain_file)
    return Authority(ca_file, server)


@pytest.fixture(scope="module", params=BACKENDS)
def rebinding_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    authority: Authority,
) -> Iterator[RunningServer]:
    directory: Path = tmp_path_factory.mktemp(f"rebinding-{request.param}")
    with ExitStack() as stack:
        url = stack.enter_context(database_for(request.param, directory))
        with pytest.MonkeyPatch.context() as patch:
            # The worker trusts the tests' authority: httpx reads SSL_CERT_FILE as it starts.
            patch.setenv("SSL_CERT_FILE", str(authority.ca_file))
            running = stack.enter_context(running_server(url, webhook_resolver=RESOLVER))
        yield running


@pytest.fixture
def account(
    rebinding_server: RunningServer, contract: ContractValidator
) -> Iterator[AccountFixture]:
    RESOLVER.scripts.clear()
    RESOLVER.calls.clear()
    made = make_account(rebinding_server, contract)
    yield made
    made.api.close()


def test_the_request_goes_to_the_address_that_was_checked(account: AccountFixture) -> None:
    with receiver() as checked, receiver(port=checked.port, host="127.0.0.2") as other:
        RESOLVER.scripts["rebinding.test"] = [["127.0.0.1"], ["127.0.0.2"]]
        url = f"http://rebinding.test:{checked.port}/hook"
        api_key, _secret = central(account, url, ["DEVICE_LOGS"])
        lock(account.api, add_device(account, 4))

        [delivered] = checked.wait_for_count(1, feature="DEVICE_LOGS")
        assert delivered.headers["host"] == f"rebinding.test:{checked.port}"
        assert other.all_attempts == []
        assert RESOLVER.calls.count("rebinding.test") == 1  # once, for its one connection
        [logged] = wait_until(lambda: webhook_logs(account.api, api_key))
        assert logged["succeeded"] is True
        assert logged["request"]["path"] == url


def test_a_name_that_turns_forbidden_is_refused_on_its_next_connection(
    account: AccountFixture,
) -> None:
    """The receiver closes each connection (HTTP/1.0): every delivery resolves the name anew,
    and its new answer is checked before anything is sent."""
    with receiver() as hook:
        RESOLVER.scripts["turning.test"] = [["127.0.0.1"], ["127.0.0.1", "0.0.0.0"]]  # noqa: S104
        api_key, _secret = central(
            account, f"http://turning.test:{hook.port}/hook", ["DEVICE_LOGS"]
        )
        smartlock_id = add_device(account, 4)
        lock(account.api, smartlock_id, 1)
        hook.wait_for_count(1, feature="DEVICE_LOGS")
        lock(account.api, smartlock_id, 2)

        logs = wait_until(lambda: len(found := webhook_logs(account.api, api_key)) >= 2 and found)
        refused, delivered = logs[0], logs[1]
        assert delivered["succeeded"] is True
        assert refused["succeeded"] is False
        assert "responseStatus" not in refused
        assert refused["response"]["body"]["error"] == (
            "UnsafeAddress: turning.test resolves to 0.0.0.0, which webhooks may not reach"
        )
        assert len(hook.all_attempts) == 1
        assert RESOLVER.calls.count("turning.test") == 2  # one per connection


def test_tls_is_verified_for_the_host_name_not_the_address(
    account: AccountFixture, authority: Authority
) -> None:
    """Both names resolve to the receiver's address; its certificate is for one of them."""
    with receiver(tls=authority.server) as hook:
        impostor = "impostor.test"
        RESOLVER.scripts[TLS_NAME] = RESOLVER.scripts[impostor] = [["127.0.0.1"]]
        url, impostor_url = (f"https://{name}:{hook.port}/hook" for name in (TLS_NAME, impostor))
        decentral(account, url, ["DEVICE_LOGS"])
        decentral(account, impostor_url, ["DEVICE_LOGS"])
        lock(account.api, add_device(account, 4))

        [delivered] = hook.wait_for_count(1, feature="DEVICE_LOGS")
        assert delivered.headers["host"] == f"{TLS_NAME}:{hook.port}"
        logs = wait_until(
            lambda: len(found := webhook_logs(account.api, key_id(account.api))) >= 2 and found
        )
        by_url = {log["request"]["path"]: log for log in logs}
        assert by_url[url]["succeeded"] is True
        assert by_url[impostor_url]["succeeded"] is False
        assert "CERTIFICATE_VERIFY_FAILED" in by_url[impostor_url]["response"]["body"]["error"]
        assert len(hook.all_attempts) == 1
