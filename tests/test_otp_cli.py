"""``nukiweb admin disable-otp``: the operator's way back in for one who lost their
authenticator."""

from __future__ import annotations

from pathlib import Path

import pyotp

from nukiweb.cli import open_context
from nukiweb.domain.identity import acting_for
from nukiweb.services import otp
from tests.test_cli import nukiweb


def test_disable_otp_turns_two_factor_sign_in_off(tmp_path: Path) -> None:
    created = nukiweb(
        "admin", "create-account", "--email", "twofa@example.com", "--password", "secret12",
        cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    account_id = int(created.stdout)
    ctx = open_context(None, tmp_path)
    caller = acting_for(account_id, "test")
    secret = otp.create_secret(ctx, caller)
    otp.enable(ctx, caller, pyotp.TOTP(secret).at(ctx.clock.now()))
    assert otp.is_enabled(ctx, account_id)

    result = nukiweb("admin", "disable-otp", "--email", "TwoFA@example.com", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Two-factor sign-in is disabled for twofa@example.com.\n"
    assert not otp.is_enabled(ctx, account_id)
    ctx.db.dispose()


def test_disable_otp_of_no_account_is_a_one_line_error(tmp_path: Path) -> None:
    result = nukiweb("admin", "disable-otp", "--email", "nobody@example.com", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "nobody@example.com" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
