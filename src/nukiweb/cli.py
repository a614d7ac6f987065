"""The ``nukiweb`` command: the server (``serve``), its store (``db``), its accounts (``admin``)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from email.headerregistry import Address
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from nukiweb.bridges.broker import BrokerSettings, BrokerUrlError
from nukiweb.bridges.mqtt import DEFAULT_COMMAND_TIMEOUT
from nukiweb.bridges.simulated import SimulationSpeed
from nukiweb.domain.errors import NukiwebError
from nukiweb.domain.limits import Limits
from nukiweb.domain.scopes import ALL_SCOPES, parse_scopes
from nukiweb.mail.transports import Transport, transport_for
from nukiweb.runtime import build_context
from nukiweb.secretbox import SecretBox
from nukiweb.services.context import DEFAULT_FEED_SYNC_INTERVAL, DEFAULT_PUBLIC_URL, ServiceContext
from nukiweb.store.database import Database, default_url
from nukiweb.store.faults import StoreUnavailable

app = typer.Typer(
    help="nukiweb: an open, self-hostable implementation of the Nuki Web API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
admin = typer.Typer(
    help="Manage accounts, tokens, partner companies, subscriptions and the intercom catalog.",
    no_args_is_help=True,
)
db = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)
app.add_typer(admin, name="admin")
app.add_typer(db, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="NUKIWEB_DATABASE_URL",
        help="sqlite:///FILE or postgresql://USER@HOST/DB (default: nukiweb.db in the data dir).",
    ),
]
DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="NUKIWEB_DATA_DIR", help="Where the default SQLite file lives."
    ),
]

DEFAULT_LIMITS = Limits()
MAX_WORKERS = 32  # each opens up to 16 store connections
MaxApiKeys = Annotated[
    int,
    typer.Option(envvar="NUKIWEB_MAX_API_KEYS", min=1, help="API keys per account."),
]
MaxTokensPerApiKey = Annotated[
    int,
    typer.Option(envvar="NUKIWEB_MAX_TOKENS_PER_API_KEY", min=1, help="API tokens per API key."),
]
MaxDecentralWebhooks = Annotated[
    int,
    typer.Option(
        envvar="NUKIWEB_MAX_DECENTRAL_WEBHOOKS",
        min=1,
        help="Decentral webhooks per account (with its sub-accounts).",
    ),
]
MaxNotifications = Annotated[
    int,
    typer.Option(
        envvar="NUKIWEB_MAX_NOTIFICATIONS",
        min=1,
        help="Notifications per account (with its sub-accounts).",
    ),
]
MaxSubAccounts = Annotated[
    int,
    typer.Option(envvar="NUKIWEB_MAX_SUB_ACCOUNTS", min=1, help="Sub-accounts per account."),
]


def open_context(
    database_url: str | None,
    data_dir: Path = Path(),
    *,
    speed: SimulationSpeed | None = None,
    manual_clock: bool = False,
    allow_local_webhooks: bool = False,
    public_url: str = DEFAULT_PUBLIC_URL,
    limits: Limits | None = None,
    feed_sync_interval: float = DEFAULT_FEED_SYNC_INTERVAL,
    mail_transport: Transport | None = None,
    mail_from: str | None = None,
    broker: BrokerSettings | None = None,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> ServiceContext:
    database = Database(database_url or default_url(data_dir))
    secrets = SecretBox.for_data_dir(data_dir)
    database.upgrade(secrets)
    return build_context(
        database,
        speed=speed,
        manual_clock=manual_clock,
        secrets=secrets,
        allow_local_webhooks=allow_local_webhooks,
        public_url=public_url,
        limits=limits,
        feed_sync_interval=feed_sync_interval,
        mail_transport=mail_transport,
        mail_from=mail_from,
        broker=broker,
        command_timeout=command_timeout,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
    demo: Annotated[
        bool, typer.Option(help="A demo account with one device of each type; implies --simulator.")
    ] = False,
    simulator: Annotated[
        bool, typer.Option(help="Serve the simulator control API under /simulator.")
    ] = False,
    motor_time: Annotated[
        float, typer.Option(min=0, max=60, help="Seconds a simulated motor takes to move.")
    ] = 1.5,
    time_scale: Annotated[
        float,
        typer.Option(
            min=0, max=100, help="Factor on configured delays (lock 'n' go, ...); 0: none."
        ),
    ] = 1.0,
    manual_clock: Annotated[
        bool, typer.Option(help="Simulated time moves only through /simulator/clock/advance.")
    ] = False,
    allow_local_webhooks: Annotated[
        bool,
        typer.Option(help="Let webhooks go to http and local addresses; implied by --demo."),
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            envvar="NUKIWEB_WORKERS",
            min=1,
            max=MAX_WORKERS,
            help="Server processes sharing the port (one per core); not with --manual-clock.",
        ),
    ] = 1,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            envvar="NUKIWEB_PUBLIC_URL",
            help="The URL clients reach the server at, e.g. https://nuki.example.org behind a "
            "proxy; absolute URLs are made from it (default: http://HOST:PORT).",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            envvar="NUKIWEB_FORWARDED_ALLOW_IPS",
            help="Addresses or networks of proxies whose X-Forwarded-For and X-Forwarded-Proto "
            "are believed, comma-separated (default: none).",
        ),
    ] = None,
    max_api_keys: MaxApiKeys = DEFAULT_LIMITS.api_keys,
    max_tokens_per_api_key: MaxTokensPerApiKey = DEFAULT_LIMITS.tokens_per_api_key,
    max_decentral_webhooks: MaxDecentralWebhooks = DEFAULT_LIMITS.decentral_webhooks,
    max_notifications: MaxNotifications = DEFAULT_LIMITS.notifications,
    max_sub_accounts: MaxSubAccounts = DEFAULT_LIMITS.sub_accounts,
    feed_sync_interval: Annotated[
        float,
        typer.Option(
            envvar="NUKIWEB_FEED_SYNC_INTERVAL",
            min=10,
            help="Seconds between two fetches of each linked booking feed.",
        ),
    ] = DEFAULT_FEED_SYNC_INTERVAL,
    smtp_url: SmtpUrl = None,
    mail_from: MailFrom = None,
    mqtt_url: MqttUrl = None,
    mqtt_command_timeout: Annotated[
        float,
        typer.Option(
            min=1,
            max=600,
            help="Seconds a lock on the MQTT broker has to answer a command before it fails.",
        ),
    ] = DEFAULT_COMMAND_TIMEOUT,
) -> None:
    """Run the Web API server (migrating the store first)."""
    from nukiweb import serving
    from nukiweb.api.app import create_app
    from nukiweb.services import instances
    from nukiweb.services.demo import seed_demo

    if workers > 1 and manual_clock:
        # Each process would keep a manual clock of its own, and advance only its own.
        raise typer.BadParameter("--manual-clock runs in one process: not with --workers above 1")
    base_url = serving.check_public_url(public_url or serving.default_public_url(host, port))
    proxies = serving.check_forwarded_allow_ips(forwarded_allow_ips)
    transport = mail_transport_for(smtp_url, data_dir)
    sender = check_mail_from(mail_from)
    broker = broker_settings(mqtt_url)
    speed = SimulationSpeed(motor_time, time_scale)
    ctx = open_context(
        database_url,
        data_dir,
        speed=speed,
        manual_clock=manual_clock,
        allow_local_webhooks=allow_local_webhooks or demo,
        public_url=base_url,
        limits=Limits(
            api_keys=max_api_keys,
            tokens_per_api_key=max_tokens_per_api_key,
            decentral_webhooks=max_decentral_webhooks,
            notifications=max_notifications,
            sub_accounts=max_sub_accounts,
        ),
        feed_sync_interval=feed_sync_interval,
        mail_transport=transport,
        mail_from=sender,
        broker=broker,
        command_timeout=mqtt_command_timeout,
    )
    # Once, before any worker serves: the migrations (above), the secret key file, what
    # instances no longer running left in flight, and the demo account.
    instances.finish_orphans(ctx)
    if demo:
        print_demo(seed_demo(ctx), base_url)
    if workers > 1:
        settings = serving.WorkerSettings(
            database_url=ctx.db.url.render_as_string(hide_password=False),
            data_dir=data_dir.resolve(),
            speed=speed,
            allow_local_webhooks=allow_local_webhooks or demo,
            public_url=base_url,
            limits=ctx.limits,
            simulator_api=demo or simulator,
            forwarded_allow_ips=tuple(proxies),
            access_log=access_log,
            feed_sync_interval=feed_sync_interval,
            smtp_url=smtp_url,
            mail_from=sender,
            mqtt_url=mqtt_url,
            mqtt_command_timeout=mqtt_command_timeout,
        )
        supervisor = serving.Supervisor(
            settings,
            host,
            port,
            workers,
            on_death=lambda carrier: instances.finish_if_possible(ctx, carrier),
        )
        supervisor.run()
        ctx.db.dispose()
        return
    app = create_app(ctx, simulator_api=demo or simulator or manual_clock)
    config = serving.server_config(
        app, host, port, forwarded_allow_ips=proxies, access_log=access_log
    )
    # uvicorn stops gracefully on SIGINT and SIGTERM: it finishes the requests in flight.
    serving.Server(config, app).run()
    ctx.db.dispose()


def print_demo(demo: tuple[str, str, str], base: str) -> None:
    email, password, token = demo
    typer.echo(
        f"\nnukiweb demo account\n"
        f"  email:     {email}\n"
        f"  password:  {password}\n"
        f"  API token: {token}\n"
        f"  Swagger UI: {base}/\n"
        f"  Nuki Web:   {base}/web (sign in with the email and password above)\n\n"
        f"  curl -H 'Authorization: Bearer {token}' {base}/account\n"
    )


@db.command()
def upgrade(database_url: DatabaseUrl = None, data_dir: DataDir = Path()) -> None:
    """Migrate the store to the newest schema."""
    open_context(database_url, data_dir).db.dispose()
    typer.echo("The store is up to date.", err=True)


@admin.command("create-account")
def create_account(
    email: Annotated[str, typer.Option(help="The account's email.")],
    password: Annotated[str, typer.Option(help="At least 7 characters.")],
    name: Annotated[str | None, typer.Option(help="The account's name.")] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Create an account and print its accountId."""
    from nukiweb.services import accounts

    ctx = open_context(database_url, data_dir)
    typer.echo(accounts.create_account(ctx, email, password, name).account_id)


@admin.command("create-token")
def create_token(
    email: Annotated[str, typer.Option(help="The account's email.")],
    scope: Annotated[
        list[str] | None, typer.Option(help="A scope to grant (repeatable; default: all).")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Issue an API token for an account and print it alone on stdout."""
    from nukiweb.services import accounts, api_keys

    scopes = parse_scopes(scope, "--scope") if scope else ALL_SCOPES
    ctx = open_context(database_url, data_dir)
    account = accounts.find_account_by_email(ctx, email)
    _token, value = api_keys.issue_token_for_account(ctx, account.account_id, description, scopes)
    typer.echo(value)


@admin.command("create-client-secret")
def create_client_secret(
    email: Annotated[str, typer.Option(help="The account's email.")],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Create (or replace) the OAuth2 client secret of the account's API key and print it alone
    on stdout; the client id (the OAuth2 API key) goes to stderr. It is not shown again."""
    from nukiweb.services import accounts, api_keys

    ctx = open_context(database_url, data_dir)
    account = accounts.find_account_by_email(ctx, email)
    client_id, secret = api_keys.create_client_secret_for_account(ctx, account.account_id)
    typer.echo(f"OAuth2 API key (client id): {client_id}", err=True)
    typer.echo(secret)


class Via(StrEnum):
    """How a device added with ``admin add-device`` is reached."""

    simulated = "simulated"
    mqtt = "mqtt"


@admin.command("add-device")
def add_device(
    email: Annotated[str, typer.Option(help="The account's email.")],
    type: Annotated[  # noqa: A002 - the option is --type
        int,
        typer.Option(
            "--type",
            min=0,
            max=4,
            help="0 Smart Lock 1/2, 1 box, 2 opener, 3 smart door, 4 Smart Lock 3/4.",
        ),
    ],
    name: Annotated[str | None, typer.Option(help="The device's name.")] = None,
    nuki_id: Annotated[
        str | None,
        typer.Option("--nuki-id", help="Its nukiId in hex (default: random; needed with mqtt)."),
    ] = None,
    via: Annotated[
        Via,
        typer.Option(
            help="simulated: a device simulated by the server; mqtt: claim the lock with this "
            "nukiId on the MQTT broker (it may be claimed before it is first seen).",
        ),
    ] = Via.simulated,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Add a device to an account and print its smartlockId."""
    from nukiweb.services import accounts, mqtt_locks, smartlocks
    from nukiweb.services.demo import DEMO_DEVICE_NAMES

    if via is Via.mqtt and nuki_id is None:
        raise typer.BadParameter("--nuki-id: a lock on the broker is claimed by its nukiId")
    ctx = open_context(database_url, data_dir)
    account = accounts.find_account_by_email(ctx, email)
    if via is Via.mqtt:
        assert nuki_id is not None
        device = mqtt_locks.claim(ctx, account.account_id, type, nuki_id, name)
    else:
        device = smartlocks.add_device(
            ctx, account.account_id, type, name or DEMO_DEVICE_NAMES[type], nuki_id
        )
    typer.echo(device.smartlock_id)


@admin.command("broker-locks")
def broker_locks(database_url: DatabaseUrl = None, data_dir: DataDir = Path()) -> None:
    """List the locks seen on the MQTT broker that no account has claimed yet."""
    from nukiweb.services import mqtt_locks

    ctx = open_context(database_url, data_dir)
    for lock in mqtt_locks.unclaimed(ctx):
        values = lock.topic_values
        typer.echo(
            f"{lock.nuki_id:08X}  type {lock.device_type if lock.device_type is not None else '?'}"
            f"  {values.get('name', '')!r}  connected={values.get('connected', '?')}"
            f"  seen {lock.seen_date.isoformat()}"
        )


@admin.command("link-feed")
def link_feed(
    email: Annotated[str, typer.Option(help="The account's email.")],
    address: Annotated[int, typer.Option("--address", help="The addressId to link it to.")],
    url: Annotated[str, typer.Option(help="The listing's iCal export feed.")],
    service: Annotated[
        str, typer.Option(help="The booking service it is of: airbnb or bookingsync.")
    ] = "airbnb",
    allow_local_webhooks: Annotated[
        bool, typer.Option(help="Let the feed be fetched over http and from local addresses.")
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Link a listing's booking feed to an address, as the Short rental page does (fetching it
    once: a URL that answers no calendar is refused), and print the service id. A running
    server issues the access of the reservations it brought."""
    from nukiweb.domain.identity import acting_for
    from nukiweb.services import accounts, booking_services

    ctx = open_context(database_url, data_dir, allow_local_webhooks=allow_local_webhooks)
    account = accounts.find_account_by_email(ctx, email)
    caller = acting_for(account.account_id, "nukiweb admin")
    asyncio.run(booking_services.link_feed(ctx, caller, service, address, url))
    typer.echo(service)


def _json_document(file: Path | None, example: bool, example_document: Callable[[], Any]) -> Any:
    """FILE's JSON document, or with ``--example`` the example that nukiweb ships."""
    if (file is not None) == example:  # both, or neither
        raise typer.BadParameter("give either a FILE or --example")
    if file is None:
        return example_document()
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested too deep
        raise typer.BadParameter(f"{file} is not a JSON document: {error}") from None


@admin.command("import-companies")
def import_companies(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A JSON array of companies, each {name, email}.",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Import the example set shipped with nukiweb.")
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Replace the partner companies that GET /company lists with those of FILE (or the example
    set) and print how many were imported."""
    from nukiweb.services import companies

    document = _json_document(file, example, companies.example_companies)
    ctx = open_context(database_url, data_dir)
    try:
        count = companies.import_companies(ctx, document)
    except NukiwebError as error:
        raise NukiwebError(f"{file or 'the example set'}: {error.message}") from None
    typer.echo(f"Imported {count} {'company' if count == 1 else 'companies'}.")


@admin.command("import-subscriptions")
def import_subscriptions(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A JSON array of the spec's Subscription objects.",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Import the example plans shipped with nukiweb.")
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Add the subscription plans of FILE (or the example plans) and update those already there
    by subscriptionId; print how many were imported. Nothing is imported if any is refused."""
    from nukiweb.services import subscriptions

    document = _json_document(file, example, subscriptions.example_plans)
    ctx = open_context(database_url, data_dir)
    try:
        count = subscriptions.import_plans(ctx, document)
    except NukiwebError as error:
        raise NukiwebError(f"{file or 'the example plans'}: {error.message}") from None
    typer.echo(f"Imported {count} subscription{'' if count == 1 else 's'}.")


@admin.command("confirm-payment")
def confirm_payment(
    payment_id: Annotated[
        str, typer.Argument(metavar="PAYMENT_ID", help="The payment's reference.")
    ],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Confirm that a pending subscription payment has arrived: the period it pays for starts
    now. Prints the subscription's new state."""
    from nukiweb.services import subscriptions

    ctx = open_context(database_url, data_dir)
    held = subscriptions.confirm_payment(ctx, payment_id.strip())
    until = f" until {held.period_end_date.isoformat()}" if held.period_end_date else ""
    typer.echo(
        f"Payment {payment_id.strip()} confirmed: subscription {held.id} is {held.status}"
        f" (period {held.period}){until}."
    )


@admin.command("list-payments")
def list_payments(
    every: Annotated[
        bool, typer.Option("--all", help="Paid and cancelled payments too, not only pending ones.")
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Print the subscription payments awaited (one a line, oldest first): reference, status,
    amount, account, plan and period, and when it was asked."""
    from nukiweb.services import subscriptions

    ctx = open_context(database_url, data_dir)
    for asked in subscriptions.list_payments(ctx, pending_only=not every):
        payment = asked.payment
        typer.echo(
            f"{payment.id}  {payment.status}  {payment.amount}  account {asked.account_id}"
            f"  subscription {asked.subscription_id} period {payment.period}"
            f"  asked {payment.creation_date.isoformat()}"
        )


@admin.command("import-intercoms")
def import_intercoms(
    file: Annotated[
        Path | None,
        typer.Argument(
            help='A JSON object {"brands": [...], "intercoms": [...]} in the vendor\'s shapes.',
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Import the example set shipped with nukiweb.")
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Add the opener intercom brands and models of FILE (or the example set) to the catalog
    that GET /opener/brand and GET /opener/intercom answer, updating those it has by id, and
    print how many were new, updated and unchanged."""
    from nukiweb.services import intercoms

    document = _json_document(file, example, intercoms.example_catalog)
    ctx = open_context(database_url, data_dir)
    try:
        result = intercoms.import_catalog(ctx, document)
    except NukiwebError as error:
        raise NukiwebError(f"{file or 'the example set'}: {error.message}") from None
    brands, models = result.brands, result.intercoms
    typer.echo(
        f"Imported {_counted('brand', brands.new, brands.updated, brands.unchanged)} and "
        f"{_counted('intercom', models.new, models.updated, models.unchanged)}."
    )


def _counted(noun: str, new: int, updated: int, unchanged: int) -> str:
    """``3 brands (1 new, 1 updated, 1 unchanged)``."""
    total = new + updated + unchanged
    return (
        f"{total} {noun if total == 1 else noun + 's'} "
        f"({new} new, {updated} updated, {unchanged} unchanged)"
    )


@admin.command("disable-otp")
def disable_otp(
    email: Annotated[str, typer.Option(help="The account's email.")],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
) -> None:
    """Disable an account's two-factor sign-in (one-time passwords), for one who lost their
    authenticator: signing in asks for the password alone again."""
    from nukiweb.services import accounts, otp

    ctx = open_context(database_url, data_dir)
    account = accounts.find_account_by_email(ctx, email)
    otp.disable(ctx, account.account_id)
    typer.echo(f"Two-factor sign-in is disabled for {account.email}.")


# --- device: emulated hardware on an MQTT broker -----------------------------------------------

device = typer.Typer(
    help="Play Nuki hardware: locks that speak the MQTT API.", no_args_is_help=True
)
app.add_typer(device, name="device")


@device.command()
def emulate(
    mqtt_url: Annotated[
        str,
        typer.Option(
            "--mqtt-url",
            envvar="NUKIWEB_MQTT_URL",
            help="mqtt://[USER:PASSWORD@]HOST[:PORT]\\[/PREFIX], the broker the locks connect to "
            "(a PREFIX puts their topics under PREFIX/nuki).",
        ),
    ],
    device_type: Annotated[
        int,
        typer.Option("--type", help="2 opener, 3 Smart Door, 4 Smart Lock 3.0 Pro / 4th gen."),
    ] = 4,
    nuki_id: Annotated[
        str | None,
        typer.Option("--nuki-id", help="The (first) lock's nukiId in hex (default: random)."),
    ] = None,
    count: Annotated[
        int, typer.Option(min=1, max=100_000, help="How many locks; consecutive nukiIds.")
    ] = 1,
    name: Annotated[
        str, typer.Option(help="The locks' name; numbered 1..N when there are several.")
    ] = "Emulated lock",
    motor_time: Annotated[
        float,
        typer.Option(
            min=0,
            max=60,
            help="Seconds one motor movement takes; the locks' other delays scale with it "
            "(1.5 is real time); 0 makes every action instant.",
        ),
    ] = 1.5,
    handle: Annotated[
        bool,
        typer.Option(
            "--handle", help="The door has a handle outside: unlock unlocks, not unlatches."
        ),
    ] = False,
    allow_locking: Annotated[
        bool,
        typer.Option(help='"Allow locking" in the app: without it, MQTT commands are not read.'),
    ] = True,
) -> None:
    """Emulate Nuki locks on an MQTT broker, each with its own connection, until SIGINT or
    SIGTERM. Prints one line per lock: its nukiId (hex) and its Web API smartlockId."""
    import logging

    from nukiweb.bridges.broker import BrokerSettings
    from nukiweb.domain.devices import MAX_NUKI_ID, DeviceType, nuki_id_from_hex
    from nukiweb.emulator import make_locks, run_until_signalled, scaled_timings
    from nukiweb.emulator.profile import EMULATED_TYPES

    if device_type not in EMULATED_TYPES:
        raise typer.BadParameter("--type: 2 (opener), 3 (Smart Door) or 4 (Smart Lock)")
    first = None if nuki_id is None else nuki_id_from_hex(nuki_id)
    if first is not None and first + count - 1 > MAX_NUKI_ID:
        raise typer.BadParameter(f"--count: {count} nukiIds from {nuki_id} pass FFFFFFFF")
    settings = BrokerSettings.from_url(mqtt_url)
    locks = make_locks(
        count,
        device_type=DeviceType(device_type),
        first_nuki_id=first,
        name=name,
        has_handle=handle,
        allow_locking=allow_locking,
        timings=scaled_timings(motor_time),
    )
    logging.basicConfig(level=logging.WARNING, format="nukiweb device emulate: %(message)s")
    for lock in locks:
        typer.echo(f"{lock.nuki_id:08X} {lock.smartlock_id}")
    sys.stdout.flush()
    typer.echo(f"{count} lock(s) on {settings.redacted()} under {settings.root}/", err=True)
    asyncio.run(run_until_signalled(settings, locks))


# --- mail --------------------------------------------------------------------------------------

SmtpUrl = Annotated[
    str | None,
    typer.Option(
        "--smtp-url",
        envvar="NUKIWEB_SMTP_URL",
        help="smtp://[USER:PASSWORD@]HOST:PORT[?starttls=true], the server mails go out "
        "through (default: none; mails are written to DATA_DIR/mail/*.eml and logged).",
    ),
]
MqttUrl = Annotated[
    str | None,
    typer.Option(
        "--mqtt-url",
        envvar="NUKIWEB_MQTT_URL",
        help="mqtt://[USER:PASSWORD@]HOST[:PORT][/PREFIX], the broker of real Nuki locks "
        "(their MQTT API; docs/mqtt.md). Default: none, simulated devices only.",
    ),
]


def broker_settings(url: str | None) -> BrokerSettings | None:
    if url is None:
        return None
    try:
        return BrokerSettings.from_url(url)
    except BrokerUrlError as error:
        raise typer.BadParameter(f"--mqtt-url: {error}") from None


MailFrom = Annotated[
    str | None,
    typer.Option(
        "--mail-from",
        envvar="NUKIWEB_MAIL_FROM",
        help="The sender of nukiweb's mails (default: nukiweb@ the public URL's host).",
    ),
]


def mail_transport_for(smtp_url: str | None, data_dir: Path) -> Transport:
    try:
        return transport_for(smtp_url, data_dir)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def check_mail_from(mail_from: str | None) -> str | None:
    if mail_from is None:
        return None
    try:
        return str(Address(addr_spec=mail_from.strip()))
    except (ValueError, IndexError) as error:
        raise typer.BadParameter(f"--mail-from {mail_from!r} is not an email address") from error


def main() -> None:
    """Entry point: errors are one line on stderr and a non-zero exit, never a traceback."""
    try:
        app(standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        sys.exit(130)
    except typer.exceptions.TyperException as error:  # a usage error: bad or missing options
        message = " ".join(str(error).split())
        option = "/".join(getattr(getattr(error, "param", None), "opts", None) or [])
        if option and option not in message:
            message = f"{option}: {message}"
        typer.echo(f"nukiweb: {message}", err=True)
        sys.exit(getattr(error, "exit_code", 2))
    except NukiwebError as error:
        typer.echo(f"nukiweb: {error.message}", err=True)
        sys.exit(1)
    except StoreUnavailable as error:  # down, or (SQLite) its write lock held too long
        typer.echo(f"nukiweb: the database is unavailable, try again: {error.reason}", err=True)
        sys.exit(1)
    except (SQLAlchemyError, ValueError, OSError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        typer.echo(f"nukiweb: {first_line}", err=True)
        sys.exit(1)
