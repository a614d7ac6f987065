# TEMPORARY stand-in until the feeds branch is merged
from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from nukiweb.domain.bookings import FeedError


def check_feed_url(url: str, *, allow_local: bool) -> str:
    return url


def feed_host(url: str) -> str:
    return urlsplit(url).hostname or ""


async def fetch_feed(url: str, *, allow_local: bool) -> bytes:
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(url)
    except httpx.HTTPError as error:
        raise FeedError(str(error)) from None
    if response.status_code != 200:
        raise FeedError(f"status {response.status_code}")
    return response.content
