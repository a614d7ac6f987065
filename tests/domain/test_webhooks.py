"""Which URLs webhooks may be sent to: https, and no local address unless allowed."""

from __future__ import annotations

import pytest

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.webhooks import check_webhook_url, parse_features


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/nuki",
        "https://93.184.216.34/hook",
        "https://[2606:4700::1111]/hook",
    ],
)
def test_public_https_urls_are_accepted(url: str) -> None:
    assert check_webhook_url(url, allow_local=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/nuki",
        "ftp://hooks.example.com/nuki",
        "https:///nuki",
        "hooks.example.com/nuki",
        "https://" + "a" * 2000 + ".example.com/",
    ],
)
def test_only_https_urls_with_a_host(url: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_webhook_url(url, allow_local=False)
    assert refused.value.parameter == "webhookUrl"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.20:8443/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_local_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidParameter):
        check_webhook_url(url, allow_local=False)
    if "0.0.0.0" not in url:  # noqa: S104 - a refused address, not a bind
        assert check_webhook_url(url, allow_local=True) == url


def test_allowing_local_webhooks_also_allows_http() -> None:
    assert check_webhook_url("http://127.0.0.1:8080/hook", allow_local=True)
    with pytest.raises(InvalidParameter):
        check_webhook_url("http://127.0.0.1:8080/hook", allow_local=False)


def test_the_parameter_is_named_in_the_error() -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_webhook_url("nope", allow_local=True, parameter="pushId")
    assert "'pushId'" in refused.value.message


def test_features_are_checked_and_deduplicated() -> None:
    assert parse_features(["DEVICE_LOGS", "ACCOUNT_USER", "DEVICE_LOGS"]) == [
        "ACCOUNT_USER",
        "DEVICE_LOGS",
    ]
    for bad in ([], None, ["device_logs"], ["DEVICE_LOGS", "WEATHER"]):
        with pytest.raises(InvalidParameter):
            parse_features(bad)
