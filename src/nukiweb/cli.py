"""The ``nukiweb`` command: the server (``serve``), its store (``db``), its accounts (``admin``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from nukiweb.domain.errors import NukiwebError
from nukiweb.domain.scopes import ALL_SCOPES, parse_scopes
from nukiweb.services.context import ServiceContext
from nukiweb.store.database import Database, default_url

app = typer.Typer(
    help="nukiweb: an open, self-hostable implementation of the Nuki Web API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
admin = typer.Typer(help="Manage accounts and tokens in the store.", no_args_is_help=True)
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


def open_context(database_url: str | None, data_dir: Path = Path()) -> ServiceContext:
    database = Database(database_url or default_url(data_dir))
    database.upgrade()
    return ServiceContext(database)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = Path(),
    demo: Annotated[bool, typer.Option(help="Create a demo account and print its token.")] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Run the Web API server (migrating the store first)."""
    import uvicorn

    from nukiweb.api.app import create_app
    from nukiweb.services.demo import seed_demo

    ctx = open_context(database_url, data_dir)
    if demo:
        print_demo(seed_demo(ctx), host, port)
    config = uvicorn.Config(
        create_app(ctx), host=host, port=port, access_log=access_log, log_level="info"
    )
    # uvicorn stops gracefully on SIGINT and SIGTERM: it finishes the requests in flight.
    uvicorn.Server(config).run()
    ctx.db.dispose()


def print_demo(demo: tuple[str, str, str], host: str, port: int) -> None:
    email, password, token = demo
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a check
    base = f"http://{shown_host}:{port}"
    typer.echo(
        f"\nnukiweb demo account\n"
        f"  email:     {email}\n"
        f"  password:  {password}\n"
        f"  API token: {token}\n"
        f"  Swagger UI: {base}/\n\n"
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
    except (SQLAlchemyError, ValueError, OSError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        typer.echo(f"nukiweb: {first_line}", err=True)
        sys.exit(1)
