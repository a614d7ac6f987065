"""One-time passwords: RFC 6238 codes (computed by pyotp), accepted within one step of skew,
each step once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from nukiweb.domain import otp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 12, 2, 10, 0, 15, tzinfo=UTC)
STEP = int(NOW.timestamp()) // 30


def code_at(when: datetime) -> str:
    return pyotp.TOTP(SECRET).at(when)


def test_the_current_code_is_accepted_with_its_step() -> None:
    assert otp.accepted_step(SECRET, code_at(NOW), NOW, None) == STEP


def test_an_rfc_6238_test_vector_is_accepted() -> None:
    """RFC 6238 appendix B, SHA-1, at 1111111109 s: 07081804 in eight digits, 081804 in six."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    when = datetime.fromtimestamp(1111111109, UTC)
    assert otp.accepted_step(secret, "081804", when, None) == 1111111109 // 30


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_skew_either_way_is_accepted(offset: int) -> None:
    when = NOW + timedelta(seconds=30 * offset)
    assert otp.accepted_step(SECRET, code_at(when), NOW, None) == STEP + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_two_steps_away_is_refused(offset: int) -> None:
    when = NOW + timedelta(seconds=30 * offset)
    assert otp.accepted_step(SECRET, code_at(when), NOW, None) is None


def test_a_code_is_accepted_once() -> None:
    step = otp.accepted_step(SECRET, code_at(NOW), NOW, None)
    assert otp.accepted_step(SECRET, code_at(NOW), NOW, step) is None
    # nor one of an earlier step, still within the skew
    earlier = code_at(NOW - timedelta(seconds=30))
    assert otp.accepted_step(SECRET, earlier, NOW, step) is None
    later = NOW + timedelta(seconds=30)
    assert otp.accepted_step(SECRET, code_at(later), later, step) == STEP + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 345"])
def test_what_is_not_six_digits_is_refused(code: str) -> None:
    assert otp.accepted_step(SECRET, code, NOW, None) is None


def test_surrounding_spaces_are_ignored() -> None:
    assert otp.accepted_step(SECRET, f" {code_at(NOW)} ", NOW, None) == STEP


def test_a_wrong_code_is_refused() -> None:
    right = code_at(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert otp.accepted_step(SECRET, wrong, NOW, None) is None


def test_new_secrets_differ_and_work() -> None:
    first, second = otp.new_secret(), otp.new_secret()
    assert first != second
    assert len(first) == 32
    assert otp.accepted_step(first, pyotp.TOTP(first).at(NOW), NOW, None) == STEP


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    uri = otp.provisioning_uri(SECRET, "ada@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/nukiweb:ada@example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["nukiweb"]


def test_the_enabled_date_is_read_from_the_config() -> None:
    assert otp.enabled_date({"otpEnabledDate": NOW.isoformat()}) == NOW
    assert otp.enabled_date({"alexaPin": ""}) is None
    assert otp.enabled_date(None) is None
    assert otp.enabled_date({"otpEnabledDate": "not a date"}) is None


def test_a_client_config_keeps_the_servers_date() -> None:
    stored = {"alexaPin": "1", "gactionsHomePin": "2", "otpEnabledDate": NOW.isoformat()}
    sent = {"alexaPin": "3", "gactionsHomePin": "4", "otpEnabledDate": "2000-01-01T00:00:00Z"}
    assert otp.keep_enabled_date(stored, sent) == {
        "alexaPin": "3",
        "gactionsHomePin": "4",
        "otpEnabledDate": NOW.isoformat(),
    }
    assert otp.keep_enabled_date(None, sent) == {"alexaPin": "3", "gactionsHomePin": "4"}
