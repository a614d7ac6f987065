"""The tables. Alembic migrations in ``store/migrations`` create exactly these
(``tests/store/test_migrations.py`` compares them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from nukiweb.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=True),
    Column("type", Integer, nullable=False, default=0),
    Column("email", String(254), nullable=False),
    # Lower-cased email: the unique key, so that Bob@x.org and bob@x.org are one account.
    Column("email_key", String(254), nullable=False, unique=True),
    Column("email_verified", Boolean, nullable=False, default=False),
    Column("name", String(100), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column(
        "master_account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    Column("rights", Integer, nullable=True),
    Column("language", String(8), nullable=False, default="en"),
    Column("config", JSON, nullable=True),
    Column("profile", JSON, nullable=True),
    Column("setting", JSON, nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("api_key_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The OAuth2 client id that Nuki Web shows as "OAuth2 API key".
    Column("api_key", String(64), nullable=False, unique=True),
    Column("description", String(255), nullable=True),
    Column("redirect_uris", JSON, nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(24), primary_key=True),
    Column(
        "api_key_id",
        Integer,
        ForeignKey("api_keys.api_key_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column(
        "account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("description", String(255), nullable=True),
    Column("scopes", JSON, nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("creation_date", UTCDateTime, nullable=False),
)
