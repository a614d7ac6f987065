"""Many log readers at once: more than the connection pool holds (16) all get their page, and
GET /account keeps answering meanwhile. Log pages are read in worker threads, each on a pooled
connection of its own; a crowd of them must neither exhaust the pool the event loop needs nor
wait on one another for ever. No timing is asserted: everything answers 200 within a deadline
far beyond any normal wait."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.devices import add_device, advance, simulate
from tests.support import AccountFixture, run_on_a_loop_of_its_own

LOG_READERS = 64  # concurrent log requests: four times the connection pool
ACCOUNT_READERS = 16  # concurrent GET /account alongside them
DEADLINE_S = 120.0


Answer = tuple[str, int, int]  # what was asked, the status, how many entries came back


async def _crowd(base_url: str, token: str, smartlock_id: int) -> Counter[Answer]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=LOG_READERS + ACCOUNT_READERS)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=DEADLINE_S
    ) as client:

        async def log_page(number: int) -> Answer:
            path = "/smartlock/log" if number % 2 else f"/smartlock/{smartlock_id}/log"
            response = await client.get(path, params={"limit": 50})
            entries = len(response.json()) if response.status_code == httpx.codes.OK else -1
            return "log", response.status_code, entries

        async def account(_number: int) -> Answer:
            response = await client.get("/account")
            return "account", response.status_code, 0

        answers = await asyncio.gather(
            *(log_page(n) for n in range(LOG_READERS)),
            *(account(n) for n in range(ACCOUNT_READERS)),
        )
    return Counter(answers)


def test_log_readers_beyond_the_pool_all_answer_and_account_keeps_answering(
    account: AccountFixture,
) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    for index in range(6):
        simulate(api, smartlock_id, "door", open=index % 2 == 0)
        advance(api, 1)
    answers = run_on_a_loop_of_its_own(
        lambda: asyncio.wait_for(
            _crowd(api.server.base_url, account.token, smartlock_id), DEADLINE_S
        )
    )
    assert answers == {("log", 200, 6): LOG_READERS, ("account", 200, 0): ACCOUNT_READERS}
    # And the server is as it was: a page and the account still answer (and match the spec).
    assert len(api.get("/smartlock/log").json()) == 6
    assert api.get("/account").status_code == 200
