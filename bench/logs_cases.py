"""What bench/logs.py asks the seeded log, and how it times and explains each page.

A scenario is a set of filters, each with a kind of value: the plain combinations take every
subset of the filters with a typical value each; the hard cases take rare values, values that
match nothing, dates far back and a cursor deep in the log. A subject is an account (for
``GET /smartlock/log``) or a device (``GET /smartlock/{id}/log``), with the values its own log
has: a scenario's pages go to each subject in turn.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from logs_seed import ABSENT_ACTION, RARE_ACTION
from run import BenchError, percentile
from sqlalchemy import func, select

from nukiweb.domain.identity import Caller
from nukiweb.domain.scopes import ALL_SCOPES
from nukiweb.domain.smartlocks import LogQuery
from nukiweb.services import smartlock_logs
from nukiweb.services.context import ServiceContext
from nukiweb.store import logs as log_store
from nukiweb.store.schema import smartlock_logs as log_table

LIMIT = 50
LOCK = 2
SCENARIO_BUDGET_S = 5.0  # a combination that scans stops sampling after this long (≥ 3 samples)
MIN_SAMPLES = 3

ACCOUNT_FILTERS = ("action", "user", "from", "to", "id")
DEVICE_FILTERS = ("action", "user", "auth", "from", "to", "id")
TYPICAL = {
    "action": "lock",
    "user": "common",  # the user of the subject's most used authorization
    "auth": "common",
    "from": "60d",  # 60 days before the newest entry
    "to": "30d",
    "id": "page2",  # the last entry of the first page: the second page
}
Filters = tuple[tuple[str, str], ...]
HARD_CASES: tuple[Filters, ...] = (
    (("action", "rare"),),
    (("action", "none"),),
    (("action", "rare"), ("to", "30d")),
    (("action", "rare"), ("user", "common")),
    (("action", "lock"), ("user", "rare")),
    (("user", "rare"),),
    (("user", "none"),),
    (("action", "lock"), ("user", "none")),
    (("from", "future"),),
    (("to", "past"),),
    (("from", "old"), ("to", "old")),  # one day, 10 days after the oldest entry
    (("action", "rare"), ("from", "old"), ("to", "old")),
    (("id", "deep"),),  # an entry half a year back
    (("id", "deep"), ("to", "30d")),
    (("id", "deep"), ("from", "deep")),  # from a day before that entry
    (("action", "lock"), ("id", "deep"), ("from", "old")),
)
DEVICE_HARD_CASES: tuple[Filters, ...] = (
    (("auth", "rare"),),
    (("auth", "rare"), ("action", "lock")),
    (("auth", "common"), ("action", "rare")),
    (("auth", "common"), ("user", "common"), ("action", "rare")),
    (("auth", "common"), ("user", "none")),  # an authorization and a user it is not
    (("auth", "rare"), ("user", "rare")),
    (("auth", "common"), ("user", "none"), ("action", "lock"), ("to", "30d")),
)
_QUERY_FIELDS = {
    "action": "action",
    "user": "account_user_id",
    "auth": "auth_id",
    "from": "from_date",
    "to": "to_date",
    "id": "before_id",
}


@dataclass(frozen=True)
class Scenario:
    device: bool  # GET /smartlock/{id}/log, else GET /smartlock/log
    filters: Filters  # (filter, kind of value), in the order of *_FILTERS

    @property
    def name(self) -> str:
        words = ["device log" if self.device else "log"]
        return " ".join([*words, *(f"{name}={kind}" for name, kind in self.filters)])


def scenarios() -> list[Scenario]:
    made: list[Scenario] = []
    for device, names in ((False, ACCOUNT_FILTERS), (True, DEVICE_FILTERS)):
        made += [
            Scenario(device, tuple((name, TYPICAL[name]) for name in chosen))
            for count in range(len(names) + 1)
            for chosen in itertools.combinations(names, count)
        ]
        hard = HARD_CASES + (DEVICE_HARD_CASES if device else ())
        made += [
            Scenario(device, tuple(sorted(case, key=lambda item: names.index(item[0]))))
            for case in hard
        ]
    return made


# --- subjects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """An account, or one of its devices, with the filter values its log has."""

    account_id: int
    smartlock_id: int | None
    users: Counter[int]  # entries per accountUserId
    auths: Counter[tuple[str, int | None]]  # entries per (authId, its accountUserId)
    deep: tuple[str, datetime]  # an entry about half a year back: its id and date


@dataclass(frozen=True)
class Dates:
    first: datetime
    last: datetime


def subjects(ctx: ServiceContext) -> tuple[list[Subject], list[Subject], Dates]:
    """The accounts and the devices of the seeded log, with the users and authorizations that
    appear in each, counted from the log itself."""
    table = log_table
    owner = (table.c.account_id, table.c.smartlock_id, table.c.auth_id, table.c.account_user_id)
    with ctx.db.read() as conn:
        first, last = conn.execute(select(func.min(table.c.date), func.max(table.c.date))).one()
        counted = conn.execute(select(*owner, func.count()).group_by(*owner)).all()
    dates = Dates(first, last)
    per_device: dict[tuple[int, int], tuple[Counter[int], Counter[tuple[str, int | None]]]] = {}
    for account_id, smartlock_id, auth_id, user_id, count in counted:
        users, auths = per_device.setdefault((account_id, smartlock_id), (Counter(), Counter()))
        if user_id is not None:
            users[user_id] += count
        if auth_id is not None:
            auths[auth_id, user_id] += count
    middle = dates.first + (dates.last - dates.first) / 2
    devices = [
        Subject(a, s, users, auths, _entry_before(ctx, a, s, middle))
        for (a, s), (users, auths) in sorted(per_device.items())
    ]
    accounts = [
        Subject(
            a,
            None,
            sum((d.users for d in devices if d.account_id == a), Counter()),
            sum((d.auths for d in devices if d.account_id == a), Counter()),
            _entry_before(ctx, a, None, middle),
        )
        for a in sorted({d.account_id for d in devices})
    ]
    return accounts, devices, dates


def _entry_before(
    ctx: ServiceContext, account_id: int, smartlock_id: int | None, moment: datetime
) -> tuple[str, datetime]:
    query = LogQuery(smartlock_id=smartlock_id, to_date=moment, limit=1)
    (entry,) = smartlock_logs.list_entries(ctx, caller(account_id), query)
    return entry.id, entry.date


def caller(account_id: int) -> Caller:
    return Caller(account_id, account_id, None, ALL_SCOPES, token_id="bench")  # noqa: S106


def log_query(scenario: Scenario, subject: Subject, dates: Dates) -> LogQuery:
    """The query of a scenario for one subject, but for a ``page2`` cursor (subject_query)."""
    common_auth, common_user = max(
        (pair for pair in subject.auths if pair[1] is not None), key=subject.auths.__getitem__
    )
    values: dict[tuple[str, str], Any] = {
        ("action", "lock"): LOCK,
        ("action", "rare"): RARE_ACTION,
        ("action", "none"): ABSENT_ACTION,
        ("user", "common"): common_user,
        ("user", "rare"): min(subject.users, key=subject.users.__getitem__),
        ("user", "none"): 1,  # no account's user
        ("auth", "common"): common_auth,
        ("auth", "rare"): min(subject.auths, key=subject.auths.__getitem__)[0],
        ("from", "60d"): dates.last - timedelta(days=60),
        ("from", "future"): dates.last + timedelta(days=1),
        ("from", "old"): dates.first + timedelta(days=10),
        ("from", "deep"): subject.deep[1] - timedelta(days=1),
        ("to", "30d"): dates.last - timedelta(days=30),
        ("to", "past"): dates.first - timedelta(days=1),
        ("to", "old"): dates.first + timedelta(days=11),
        ("id", "deep"): subject.deep[0],
    }
    chosen = {_QUERY_FIELDS[name]: values.get((name, kind)) for name, kind in scenario.filters}
    return LogQuery(smartlock_id=subject.smartlock_id, limit=LIMIT, **chosen)


Run = Callable[[Subject, LogQuery], list[str]]
"""Asks for one page, in process or over HTTP; the ids of its entries."""


def subject_query(scenario: Scenario, subject: Subject, run: Run, dates: Dates) -> LogQuery:
    """The query of a scenario for one subject; a ``page2`` cursor is the last entry of the
    page without it (or the deep entry when that page is empty)."""
    query = log_query(scenario, subject, dates)
    if ("id", "page2") not in scenario.filters:
        return query
    first_page = run(subject, replace(query, before_id=None))
    return replace(query, before_id=first_page[-1] if first_page else subject.deep[0])


# --- timing and plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the database did for a scenario's pages, over every subject: the indexes read,
    whether any page was sorted, and, unlike time, unmoved by other load on the machine:
    on PostgreSQL (EXPLAIN ANALYZE) the most log entries one page read and did not answer
    (those a filter threw away, or a sort); on SQLite (EXPLAIN QUERY PLAN) whether every page
    searched an index on all of its equality filters, which makes it one range of it."""

    indexes: tuple[str, ...]
    sorts: bool
    unanswered: int | None = None
    one_range: bool | None = None


@dataclass
class Timing:
    samples_ms: list[float]
    rows: int  # entries answered over all samples
    plan: Plan | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "p50_ms": round(percentile(self.samples_ms, 50), 3),
            "p99_ms": round(percentile(self.samples_ms, 99), 3),
            "n": len(self.samples_ms),
            "rows_per_page": round(self.rows / len(self.samples_ms), 1),
            "plan": None if self.plan is None else self.plan.__dict__,
        }


def time_scenario(
    scenario: Scenario, targets: list[Subject], samples: int, run: Run, dates: Dates
) -> Timing:
    """``samples`` pages, each for the next subject in turn, after one untimed warm-up page."""
    timing = Timing([], 0)
    started = time.perf_counter()
    for number in range(samples + 1):
        subject = targets[number % len(targets)]
        query = subject_query(scenario, subject, run, dates)
        before = time.perf_counter()
        ids = run(subject, query)
        elapsed_ms = (time.perf_counter() - before) * 1000
        if number == 0:
            continue
        timing.samples_ms.append(elapsed_ms)
        timing.rows += len(ids)
        spent = time.perf_counter() - started
        if spent > SCENARIO_BUDGET_S and len(timing.samples_ms) >= MIN_SAMPLES:
            break
    return timing


def plan_scenario(
    ctx: ServiceContext, scenario: Scenario, targets: list[Subject], run: Run, dates: Dates
) -> Plan:
    plans = [explain(ctx, s, subject_query(scenario, s, run, dates)) for s in targets]
    indexes = tuple(sorted({index for plan in plans for index in plan.indexes}))
    sorts = any(plan.sorts for plan in plans)
    if not ctx.db.is_postgresql:
        return Plan(indexes, sorts, one_range=all(plan.one_range for plan in plans))
    return Plan(indexes, sorts, unanswered=max(plan.unanswered or 0 for plan in plans))


def explain(ctx: ServiceContext, subject: Subject, query: LogQuery) -> Plan:
    """The plan of a page's SELECT as the store builds and runs it, with its values inline."""
    with ctx.db.read() as conn:
        cursor = None
        if query.before_id is not None:
            cursor = log_store.entry_position(conn, subject.account_id, query.before_id)
        statement = log_store.page_statement(subject.account_id, query, cursor)
        log_store.read_in_index_order(conn)
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if not ctx.db.is_postgresql:
            details = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            return _sqlite_plan(details, query)
        document = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}").scalar()
    assert document is not None
    top = document[0]["Plan"]
    nodes = list(_nodes(top))
    read = sum(
        n["Actual Rows"] * n["Actual Loops"] + n.get("Rows Removed by Filter", 0)
        for n in nodes
        if n.get("Relation Name") == log_table.name
    )
    return Plan(
        tuple(n["Index Name"] for n in nodes if "Index Name" in n),
        any("Sort" in n["Node Type"] for n in nodes),
        unanswered=read - top["Actual Rows"],
    )


def _sqlite_plan(details: list[str], query: LogQuery) -> Plan:
    """From lines like ``SEARCH smartlock_logs USING INDEX ix_… (smartlock_id=? AND
    action=? AND date<?)``: the log's search has the owner and every filter as ``=?``."""
    equalities = 1 + sum(
        value is not None for value in (query.action, query.account_user_id, query.auth_id)
    )
    searches = [d for d in details if d.startswith(f"SEARCH {log_table.name} USING ")]
    return Plan(
        tuple(d.split(" USING ")[-1] for d in details if " USING " in d),
        any("TEMP B-TREE" in d for d in details),
        one_range=len(searches) == 1
        and len(re.findall(r"(?<![<>])=\?", searches[0])) == equalities,
    )


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def in_process(ctx: ServiceContext) -> Run:
    """Pages through nukiweb's own use case, as the API's router calls it."""

    def run(subject: Subject, query: LogQuery) -> list[str]:
        entries = smartlock_logs.list_entries(ctx, caller(subject.account_id), query)
        return [entry.id for entry in entries]

    return run


def over_http(client: httpx.Client, tokens: dict[int, str]) -> Run:
    """Pages from a running nukiweb, each with its account's token."""

    def run(subject: Subject, query: LogQuery) -> list[str]:
        path = "/smartlock/log"
        if query.smartlock_id is not None:
            path = f"/smartlock/{query.smartlock_id}/log"
        token = tokens[subject.account_id]
        response = client.get(
            path, params=http_params(query), headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code != httpx.codes.OK:
            raise BenchError(f"GET {path} answered {response.status_code}: {response.text}")
        return [entry["id"] for entry in response.json()]

    return run


def http_params(query: LogQuery) -> dict[str, str | int]:
    params: dict[str, str | int | None] = {
        "limit": query.limit,
        "action": query.action,
        "accountUserId": query.account_user_id,
        "authId": query.auth_id,
        "fromDate": None if query.from_date is None else _rfc3339(query.from_date),
        "toDate": None if query.to_date is None else _rfc3339(query.to_date),
        "id": query.before_id,
    }
    return {name: value for name, value in params.items() if value is not None}


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def names(items: Sequence[Scenario]) -> dict[str, Scenario]:
    return {scenario.name: scenario for scenario in items}
