"""The one URL policy (`openclaw_deepinfra.urls`) against hostile spellings, as tables."""

from __future__ import annotations

import pytest

from openclaw_deepinfra import urls
from openclaw_deepinfra.errors import InvalidBaseUrlError

BASE = "https://api.deepinfra.com/v1/openai"
HTTPS_ONLY = "must use https (plain http only to localhost)"
CREDENTIALS = "must not contain credentials"
NOT_ABSOLUTE = "must be an absolute http(s) URL"
QUERY = "must not have a query string or fragment"
INVALID = "is not a valid URL"


@pytest.mark.parametrize(
    ("url", "endpoint_problem", "result_problem"),
    [
        (BASE, None, None),
        ("HTTPS://API.DEEPINFRA.COM/v1/openai", None, None),  # case
        ("http://localhost:8000/v1", None, None),
        ("http://LOCALHOST/v1", None, None),
        ("http://api.localhost/v1", None, None),
        ("http://127.0.0.1/v1", None, None),
        ("http://127.255.0.9:9/v1", None, None),
        ("http://[::1]:8000/v1", None, None),  # IPv6 loopback
        ("http://[::ffff:127.0.0.1]/v1", None, None),  # IPv4-mapped loopback
        # Not loopback, whatever the name suggests:
        ("http://localhost.evil.com/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://evil-localhost/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://127.0.0.1.nip.io/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://[::ffff:10.0.0.1]/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://10.0.0.5/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://2130706433/v1", HTTPS_ONLY, HTTPS_ONLY),  # 127.0.0.1 as one number
        ("http://0x7f.0.0.1/v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://127.1/v1", HTTPS_ONLY, HTTPS_ONLY),
        # A trailing dot is another spelling; plain http stays refused (conservative).
        ("http://localhost./v1", HTTPS_ONLY, HTTPS_ONLY),
        ("http://127.0.0.1./v1", HTTPS_ONLY, HTTPS_ONLY),
        # Userinfo, also hidden behind a backslash or aimed at loopback:
        ("https://user:pw@api.deepinfra.com/v1/openai", CREDENTIALS, CREDENTIALS),
        ("https://user@api.deepinfra.com/v1/openai", CREDENTIALS, CREDENTIALS),
        ("http://localhost\\@evil.com/v1", CREDENTIALS, CREDENTIALS),
        ("http://127.0.0.1:80@evil.com/v1", CREDENTIALS, CREDENTIALS),
        # A fragment or query hiding a loopback name: the real host is evil.com.
        ("http://evil.com#@localhost/", QUERY, HTTPS_ONLY),
        ("http://evil.com?@localhost/", QUERY, HTTPS_ONLY),
        ("https://cdn.example/x.png?X-Amz-Signature=abc", QUERY, None),  # signed result URLs
        # Ports and shapes:
        ("https://api.deepinfra.com:99999/v1", INVALID, INVALID),
        ("https://api.deepinfra.com:port/v1", INVALID, INVALID),
        ("http://[::1/v1", INVALID, INVALID),
        ("ftp://api.deepinfra.com/v1", NOT_ABSOLUTE, NOT_ABSOLUTE),
        ("javascript:alert(1)", NOT_ABSOLUTE, NOT_ABSOLUTE),
        ("//api.deepinfra.com/v1", NOT_ABSOLUTE, NOT_ABSOLUTE),
        ("api.deepinfra.com/v1/openai", NOT_ABSOLUTE, NOT_ABSOLUTE),
        ("https:///v1", NOT_ABSOLUTE, NOT_ABSOLUTE),
        ("https://bücher.example/v1", None, None),  # IDNA host: fine over https
    ],
)
def test_problem(url: str, endpoint_problem: str | None, result_problem: str | None) -> None:
    assert urls.problem(url) == endpoint_problem
    assert urls.problem(url, endpoint=False) == result_problem


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret@h.example:8443/v1?token=s3cret#frag", "https://h.example:8443/v1"),
        ("https://cdn.example/a.png?X-Amz-Signature=s3cret", "https://cdn.example/a.png"),
        ("http://[::1]:8000/v1", "http://[::1]:8000/v1"),
        ("redis://:s3cret@cache.internal:6380/2", "redis://cache.internal:6380/2"),
        ("unix:///run/redis.sock?password=s3cret", "unix:///run/redis.sock"),
        ("api.deepinfra.com/v1/openai", "<URL without a scheme>"),
        ("https://user:s3cret@h.example:99999/", "<unparsable URL>"),
    ],
)
def test_display_never_shows_credentials_or_query(url: str, shown: str) -> None:
    assert urls.display(url) == shown
    assert "s3cret" not in urls.display(url)


@pytest.mark.parametrize(
    ("url", "same"),
    [
        (f"{BASE}/chat/completions", True),
        ("HTTPS://API.DEEPINFRA.COM/v1/inference/x", True),  # case
        ("https://api.deepinfra.com:443/v1/openai", True),  # the default port written out
        ("http://api.deepinfra.com/v1/openai", False),  # scheme
        ("https://api.deepinfra.com:8443/v1/openai", False),  # port
        ("https://api.deepinfra.com./v1/openai", False),  # trailing dot: not compared as equal
        ("https://api.deepinfra.com.evil.com/v1/openai", False),
        ("https://evil.com/?https://api.deepinfra.com/", False),
        ("https://api.deepinfra.com@evil.com/v1", False),  # userinfo, the host is evil.com
        ("https://\u0430pi.deepinfra.com/v1", False),  # Cyrillic a: another host
        ("https://\uff41pi.deepinfra.com/v1", False),  # fullwidth: the transport refuses it
        ("https://api.deepinfra.com:99999/v1", False),  # unparsable
        ("//api.deepinfra.com/v1", False),  # no scheme
        ("not a url", False),
    ],
)
def test_same_origin(url: str, same: bool) -> None:
    assert urls.same_origin(url, BASE) is same
    assert urls.same_origin(BASE, url) is same


def test_idna_spellings_are_one_origin() -> None:
    assert urls.same_origin("https://bücher.example/a", "https://xn--bcher-kva.example/b")
    assert urls.same_origin("https://BÜCHER.example/a", "https://bücher.example:443/b")


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        (" HTTPS://API.DEEPINFRA.COM/v1/openai// ", BASE),
        ("https://api.deepinfra.com:443/v1/openai/", BASE),
        ("https://api.deepinfra.com:8443/v1/openai", "https://api.deepinfra.com:8443/v1/openai"),
        ("http://localhost:80/v1", "http://localhost/v1"),
        ("http://[::1]:8080/v1/", "http://[::1]:8080/v1"),
        ("https://h.example/v1?tenant=a#frag", "https://h.example/v1?tenant=a"),
        ("https://user:pw@h.example/v1", "https://h.example/v1"),
    ],
)
def test_normalize(url: str, normal: str) -> None:
    assert urls.normalize(url) == normal
    assert urls.normalize(normal) == normal


def test_origin_url() -> None:
    assert urls.origin_url("https://api.deepinfra.com:8443/v1/openai") == "https://api.deepinfra.com:8443"


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("https://user:pw@api.deepinfra.com/v1/openai", "apiKey or DEEPINFRA_API_KEY"),
        ("http://localhost.evil.com/v1/openai", "baseUrl to https://api.deepinfra.com/v1/openai"),
        ("https://api.deepinfra.com/v1/inference", "baseUrl to https://api.deepinfra.com/v1/openai"),
    ],
)
def test_validate_base_url_says_what_to_fix(url: str, hint: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as info:
        urls.validate_base_url(url)
    assert hint in (info.value.hint or "")
    assert "pw@" not in str(info.value)
