"""Which URLs webhooks may be sent to: https, and no local address unless allowed."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.webhooks import (
    check_webhook_url,
    parse_features,
    stored_answer,
    stored_headers,
)


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


# URLs that parse as URLs but cannot be sent to: each was once accepted, and the worker then
# failed to take it apart (a port out of range, a host that is no host, a label IDNA refuses).
UNSENDABLE = [
    "https://example.com:99999/",
    "https://example.com:0/",
    "https://example.com:/",
    "https://example.com:+443/",
    "https://example.com:\uff14\uff14\uff13/",  # fullwidth digits
    "https://0000::1/",
    "https://[::1/",
    "https://[::1]x/",
    "https://[fe80::1%25eth0]/",
    "https://" + "a" * 64 + ".example.com/",
    "https://" + ".".join(["a" * 63] * 4) + "/",
    "https://ex_ample.com/",
    "https://-example.com/",
    "https://exa..mple.com/",
    "https://xn--a.example.com/",
    "https://☃.example.com/",
    "https://user:secret@example.com/",
    "https://@example.com/",
    "https://exa mple.com/",
    "https://example.com/\nX-Injected: 1",
    "https://1.2.3/",
    "https://999.1.1.1/",
    "https://0x7f.0.0.1/",
    "https://2130706433/",
]


@pytest.mark.parametrize("url", UNSENDABLE)
def test_urls_that_cannot_be_sent_to_are_refused(url: str) -> None:
    for allow_local in (False, True):
        with pytest.raises(InvalidParameter) as refused:
            check_webhook_url(url, allow_local=allow_local)
        assert refused.value.parameter == "webhookUrl"


@pytest.mark.parametrize(
    "url",
    [
        "https://bücher.example/hook",
        "https://xn--bcher-kva.example/hook",
        "https://example.com./hook",
        "https://EXAMPLE.com:443/hook?a=1&b=%20",
        "https://example.com:65535",
        "https://" + ".".join(["a" * 63] * 3) + "." + "b" * 61 + "/",
    ],
)
def test_valid_names_and_ports_are_accepted(url: str) -> None:
    assert check_webhook_url(url, allow_local=False) == url


def test_names_under_localhost_are_local() -> None:
    with pytest.raises(InvalidParameter):
        check_webhook_url("https://hook.localhost/", allow_local=False)
    assert check_webhook_url("http://hook.localhost:8080/", allow_local=True)


_LABELS = st.one_of(
    st.sampled_from(
        ["example", "com", "bücher", "xn--bcher-kva", "xn--a", "a" * 63, "a" * 64, "-a", "ß",
         "☃", "0x7f", "1", "127", "localhost", "", "EXAMPLE", "a\u200bb"]
    ),
    st.text(alphabet="abz019-_.%:[]@ \tß", max_size=70),
)  # fmt: skip
_HOSTS = st.one_of(
    st.lists(_LABELS, min_size=1, max_size=6).map(".".join),
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
    st.text(max_size=20).map(lambda inside: f"[{inside}]"),
)
_PORTS = st.one_of(
    st.just(""),
    st.integers(-5, 100_000).map(lambda port: f":{port}"),
    st.text(alphabet="0123456789+-:\uff14 ", max_size=7).map(lambda port: f":{port}"),
)
_URLS = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "https:", ""]),
    st.sampled_from(["", "", "", "user:pw@", "@"]),
    _HOSTS,
    _PORTS,
    st.sampled_from(["", "/", "/hook?a=1&b=%20", "/hook#part", "/ x", "/\n"]),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_URLS, st.text()))
def test_any_accepted_url_can_be_taken_apart_to_be_sent(url: str) -> None:
    """What the check accepts, the worker's HTTP client can send to: parts, port, host."""
    for allow_local in (False, True):
        try:
            accepted = check_webhook_url(url, allow_local=allow_local)
        except InvalidParameter:
            continue
        parts = urlsplit(accepted)
        assert parts.hostname
        assert parts.port is None or 1 <= parts.port <= 65535
        request = httpx.Request("POST", accepted)
        assert request.url.host
        assert request.url.scheme in ("http", "https")
        assert request.url.port is None or 1 <= request.url.port <= 65535
        if not allow_local:
            assert request.url.scheme == "https"


@pytest.mark.parametrize(
    ("start", "complete", "stored"),
    [
        (b'{"ok": true}', True, {"ok": True}),
        (b"[1, 2]", True, {"json": [1, 2]}),
        (b"accepted", True, {"text": "accepted"}),
        (b'{"n": NaN}', True, {"text": '{"n": NaN}'}),  # JSON the store cannot hold
        (b'{"s": "\\ud800"}', True, {"text": '{"s": "\\ud800"}'}),
        (b"[" * 2000, True, {"text": "[" * 2000}),
        (b"\xff\xfe", True, {"text": "\ufffd\ufffd"}),
        (b'{"ok": tr', False, {"text": '{"ok": tr', "truncated": True}),
    ],
)
def test_answers_are_stored_as_json_objects(
    start: bytes, complete: bool, stored: dict[str, object]
) -> None:
    assert stored_answer(start, complete=complete) == stored


def test_only_allowed_response_headers_are_stored_and_cut() -> None:
    headers = [("Content-Type", "text/plain"), ("Set-Cookie", "a=b"), ("Server", "x" * 1000)]
    assert stored_headers(headers) == {"content-type": "text/plain", "server": "x" * 256}
