"""The tables. Alembic migrations in ``store/migrations`` create exactly these
(``tests/store/test_migrations.py`` compares them)."""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from nukiweb.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _sequence() -> Column[int]:
    """An insertion-order key (an autoincrementing BIGINT; INTEGER on SQLite, where only that
    autoincrements)."""
    return Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


def _account_id(*, index: bool = False) -> Column[int]:
    """The owning account; its rows go with it."""
    return Column(
        "account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=index,
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
    # The TOTP secrets, sealed: the active one, and one made by PUT /account/otp that a first
    # right code turns active. The last time step a code was accepted for: each code is used once.
    Column("otp_secret", Text, nullable=True),
    Column("otp_pending_secret", Text, nullable=True),
    Column("otp_last_step", BigInteger, nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("api_key_id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    # The OAuth2 client id that Nuki Web shows as "OAuth2 API key".
    Column("api_key", String(64), nullable=False, unique=True),
    Column("description", String(255), nullable=True),
    Column("redirect_uris", JSON, nullable=False),
    # SHA-256 of the OAuth2 client secret (256 random bits): the secret is shown once.
    Column("client_secret_digest", String(64), nullable=True),
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
    _account_id(index=True),
    Column("description", String(255), nullable=True),
    Column("scopes", JSON, nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("creation_date", UTCDateTime, nullable=False),
    # When the token was last used, to the minute or so: written when it moved on, not per request.
    Column("last_active_at", UTCDateTime, nullable=True),
)

bridges = Table(
    "bridges",
    metadata,
    Column("bridge_id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    Column("name", String(100), nullable=False),
    # How the bridge is connected: "simulated" (in this process) for now.
    Column("kind", String(20), nullable=False),
    Column("online", Boolean, nullable=False),
    Column("firmware_version", String(20), nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
)

smartlocks = Table(
    "smartlocks",
    metadata,
    # The Web API id: (device type << 32) | nukiId (doc §1.3), unique across accounts.
    Column("smartlock_id", BigInteger, primary_key=True, autoincrement=False),
    _account_id(index=True),
    Column(
        "bridge_id",
        Integer,
        ForeignKey("bridges.bridge_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("type", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("favorite", Boolean, nullable=False),
    Column("auth_id", Integer, nullable=False),
    Column("firmware_version", Integer, nullable=False),
    Column("hardware_version", Integer, nullable=False),
    Column("server_state", Integer, nullable=False),
    Column("admin_pin_state", Integer, nullable=False),
    Column("admin_pin_hash", Text, nullable=True),
    Column("config", JSON, nullable=False),
    Column("advanced_config", JSON, nullable=True),
    Column("opener_advanced_config", JSON, nullable=True),
    Column("smartdoor_advanced_config", JSON, nullable=True),
    Column("web_config", JSON, nullable=False),
    # What the simulator tracks of the device's hardware: the state it reports, battery, door.
    Column("mechanics", JSON, nullable=False),
    Column("operation_id", String(36), nullable=True),
    # The server instance that took the operation (``instances``): when its lease runs out,
    # another instance fails the operation instead of leaving the device busy for ever.
    Column("operation_holder", String(32), nullable=True),
    Column("error", Text, nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
    # A new random number at every write (store/smartlocks.py): what was rendered of a device
    # at one revision holds until it changes. Random, not counted: a device deleted and made
    # again never has a revision its former self had.
    Column("revision", BigInteger, nullable=False, server_default=text("0")),
)

# The server processes serving this store, each under a lease it renews while it lives
# (services/instances.py): what an instance whose lease ran out carried, another finishes.
instances = Table(
    "instances",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("started", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
)

smartlock_logs = Table(
    "smartlock_logs",
    metadata,
    # The order written: of entries with the same date, the one written last comes first.
    _sequence(),
    Column("id", String(24), nullable=False, unique=True),
    _account_id(),
    Column(
        "smartlock_id",
        BigInteger,
        ForeignKey("smartlocks.smartlock_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("device_type", Integer, nullable=False),
    Column("account_user_id", Integer, nullable=True),
    Column("auth_id", String(24), nullable=True),
    Column("name", String(100), nullable=False),
    Column("action", Integer, nullable=False),
    Column("trigger", Integer, nullable=False),
    Column("state", Integer, nullable=False),
    Column("auto_unlock", Boolean, nullable=False),
    Column("date", UTCDateTime, nullable=False),
    Column("source", Integer, nullable=True),
    Column("opener_log", JSON, nullable=True),
    Column("ajar_timeout", Integer, nullable=True),
    Column("error", Text, nullable=True),
)


# The equality filters a log query can have besides its owner: the account's log filters by
# action and accountUserId, a device's by authId too.
LOG_FILTERS: dict[str, tuple[str, ...]] = {
    "account_id": ("action", "account_user_id"),
    "smartlock_id": ("action", "account_user_id", "auth_id"),
}
# Every (owner, filters) a log query can have, in a fixed order: the n-th one's index is mark n.
LOG_INDEXES = [
    (owner, chosen)
    for owner, filters in LOG_FILTERS.items()
    for count in range(len(filters) + 1)
    for chosen in combinations(filters, count)
]


def log_index_rows(owner: str, filters: tuple[str, ...]) -> ColumnElement[bool]:
    """What the log's index for these equality filters holds: the entries that have a value in
    each of them (an entry without a user or an authorization is never asked for by one), and
    its mark, ``seq <> -n``, true of every entry.

    A page's query repeats this WHERE of its index, and no other index's follows from it, so
    neither PostgreSQL nor SQLite can read another index, for fewer of the filters, and filter
    the rest. Both would, choosing by estimates, and those of filters that depend on one another
    (an authorization, its user, its device) go wrong either way: at 10 million entries a page
    for a rare action of an authorization and its user read all of that authorization's 24,000
    entries; with PostgreSQL's statistics of how the columns depend on one another, one for a
    user and an authorization not theirs read all of the user's 12,000 (bench/logs.py)."""
    log = smartlock_logs.c
    mark = LOG_INDEXES.index((owner, filters)) + 1
    present = [log[column].isnot(None) for column in filters if log[column].nullable]
    return and_(*present, log.seq != literal_column(str(-mark)))


def _log_indexes() -> None:
    """One index per set of equality filters a log query can have, those columns first and then
    (date, seq), the log's order: every filter combination, with its date bounds and cursor,
    is one range of one index, read backwards (store/logs.py)."""
    log = smartlock_logs.c
    words = {"account_id": "account", "smartlock_id": "device"}
    words |= {"action": "action", "account_user_id": "user", "auth_id": "auth"}
    for owner, filters in LOG_INDEXES:
        rows = log_index_rows(owner, filters)
        Index(
            "_".join(["ix_smartlock_logs", *(words[c] for c in (owner, *filters)), "date"]),
            *(log[column] for column in (owner, *filters, "date", "seq")),
            postgresql_where=rows,
            sqlite_where=rows,
        )


_log_indexes()

account_users = Table(
    "account_users",
    metadata,
    Column("account_user_id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    Column("type", Integer, nullable=False),
    Column("email", String(254), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("name", String(100), nullable=False),
    Column("language", String(8), nullable=False),
    # Set while the user's authorizations are being removed from the devices (delete).
    Column("operation_id", String(36), nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "email_key"),
)

smartlock_auths = Table(
    "smartlock_auths",
    metadata,
    Column("id", String(24), primary_key=True),
    _account_id(index=True),
    Column(
        "smartlock_id",
        BigInteger,
        ForeignKey("smartlocks.smartlock_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The authorization's slot on the device (SmartlockAuth.authId).
    Column("auth_id", Integer, nullable=False),
    Column(
        "account_user_id",
        Integer,
        ForeignKey("account_users.account_user_id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("type", Integer, nullable=False),
    Column("name", String(32), nullable=False),
    # The keypad code (store.keypad_codes): its digest on this device, and sealed.
    Column("code_digest", String(64), nullable=True),
    Column("code_box", Text, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("remote_allowed", Boolean, nullable=False),
    Column("smart_actions_enabled", Boolean, nullable=False),
    Column("lock_count", Integer, nullable=False),
    Column("allowed_from_date", UTCDateTime, nullable=True),
    Column("allowed_until_date", UTCDateTime, nullable=True),
    Column("allowed_week_days", Integer, nullable=True),
    Column("allowed_from_time", Integer, nullable=True),
    Column("allowed_until_time", Integer, nullable=True),
    Column("last_active_date", UTCDateTime, nullable=True),
    # What the device holds: the values it last confirmed (none before it confirmed the
    # creation; its keypad code as ``code_digest``). The simulated device enforces these, not
    # changes it has yet to receive.
    Column("device_copy", JSON(none_as_null=True), nullable=True),
    # "create", "update" or "delete" while the device has yet to confirm it.
    Column("pending", String(10), nullable=True),
    Column("operation_id", String(36), nullable=True),
    Column("error", Text, nullable=True),
    # Set when the Advanced API created it: its outcome is reported to that request.
    Column("request_id", String(36), nullable=True),
    # Set when short-rental automation issued it: for this reservation, or address token.
    Column("reservation_id", String(24), nullable=True, index=True),
    Column("address_token_id", String(24), nullable=True, index=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
    UniqueConstraint("smartlock_id", "auth_id"),
    # Keypad codes are unique per device (NULL codes are distinct on both backends).
    UniqueConstraint("smartlock_id", "code_digest"),
)

# The durable outbox: every change a subscriber may hear of, written in the transaction that
# makes the change; subscribers read it in order, each from its own cursor.
webhook_events = Table(
    "webhook_events",
    metadata,
    _sequence(),
    Column("id", String(36), nullable=False, unique=True),
    _account_id(),
    # For API-triggered events (advanced actions): the API key whose central webhook hears it.
    Column("api_key_id", Integer, nullable=True),
    Column("feature", String(32), nullable=False),
    Column("smartlock_id", BigInteger, nullable=True),
    Column("payload", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Index("ix_webhook_events_account_id_seq", "account_id", "seq"),
)

webhook_subscribers = Table(
    "webhook_subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    Column(
        "api_key_id",
        Integer,
        ForeignKey("api_keys.api_key_id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    # Who subscribed: the account (the master or a sub-account) whose rights, and whose
    # credentials under api_key_id, decide what it hears (domain.readers). It goes with them.
    Column(
        "reader_account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # "decentral", "central" (an API key's advanced API webhook) or "notification".
    Column("kind", String(16), nullable=False),
    Column("notification_id", String(24), nullable=True, unique=True),
    Column("url", Text, nullable=False),
    Column("features", JSON, nullable=False),
    Column("secret_box", Text, nullable=False),  # the signing secret, encrypted
    Column("status", String(16), nullable=False),
    Column("cursor", BigInteger, nullable=False),  # the last event seq handled
    Column("failures", Integer, nullable=False),  # consecutive failed attempts
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("lease_owner", String(36), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("sent_ok", Integer, nullable=False),
    Column("sent_failed", Integer, nullable=False),
    Column("last_success", UTCDateTime, nullable=True),
    Column("last_duration", Integer, nullable=True),
    Column("last_ok", Boolean, nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

webhook_logs = Table(
    "webhook_logs",
    metadata,
    _sequence(),
    Column("id", String(24), nullable=False, unique=True),
    Column(
        "api_key_id",
        Integer,
        ForeignKey("api_keys.api_key_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", Integer, nullable=False),
    Column("subscriber_id", Integer, nullable=False),
    # The event's feature ("API" for an Advanced API result): whether a reader may see the body.
    Column("feature", String(32), nullable=True),
    Column("request_id", String(36), nullable=True),
    Column("succeeded", Boolean, nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("duration", Integer, nullable=False),
    Column("request", JSON, nullable=False),
    Column("response", JSON, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Index("ix_webhook_logs_api_key_id_seq", "api_key_id", "seq"),
)

advanced_api_keys = Table(
    "advanced_api_keys",
    metadata,
    Column(
        "api_key_id",
        Integer,
        ForeignKey("api_keys.api_key_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("name", String(200), nullable=False),
    Column("country", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("type", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("email", String(254), nullable=False),
    Column("restricted", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("secret_box", Text, nullable=False),  # the client secret, encrypted
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", String(24), primary_key=True),
    _account_id(index=True),
    # Who configured it (the master or a sub-account): whose rights decide what its webhook
    # hears, and who sees it besides the master. It goes with that account.
    Column(
        "reader_account_id",
        Integer,
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("reference_id", String(100), nullable=True),
    Column("push_id", Text, nullable=False),
    Column("os", Integer, nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", Integer, nullable=False),
    Column("last_active_date", UTCDateTime, nullable=True),
    Column("settings", JSON, nullable=False),
    Column("secret_box", Text, nullable=True),  # os 2: the signing secret, encrypted
    Column("creation_date", UTCDateTime, nullable=False),
)

# Advanced API requests waiting for their outcome: which API key's central webhook hears it.
advanced_requests = Table(
    "advanced_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),
    _account_id(),
    Column("api_key_id", Integer, nullable=True),
    Column("type", String(32), nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
)


def _api_key_id() -> Column[int]:
    """The OAuth2 client (API key) a row was issued to; deleting the key revokes it."""
    return Column(
        "api_key_id",
        Integer,
        ForeignKey("api_keys.api_key_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


# OAuth2 authorization codes. A used code stays (``used``) until it expires, so that its second
# use is recognised and the tokens issued for it revoked (RFC 6749 §4.1.2).
oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_digest", String(64), primary_key=True),
    _api_key_id(),
    _account_id(index=True),
    # The tokens issued for the code and for their refreshes share it.
    Column("grant_id", String(24), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("code_challenge", String(128), nullable=True),
    Column("code_challenge_method", String(8), nullable=True),
    Column("used", Boolean, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# OAuth2 access tokens with their refresh tokens, stored as SHA-256 digests.
oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("id", String(24), primary_key=True),
    _api_key_id(),
    _account_id(index=True),
    Column("grant_id", String(24), nullable=False, index=True),
    Column("scopes", JSON, nullable=False),
    Column("access_digest", String(64), nullable=False, unique=True),
    Column("refresh_digest", String(64), nullable=True, unique=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("last_active_at", UTCDateTime, nullable=True),
)

# Refresh tokens already exchanged for new ones, kept while their grant lives: one presented
# again was stolen, and every token of its grant is revoked (RFC 9700 §4.14.2).
oauth_rotated_refresh_tokens = Table(
    "oauth_rotated_refresh_tokens",
    metadata,
    Column("refresh_digest", String(64), primary_key=True),
    _api_key_id(),
    _account_id(index=True),
    Column("grant_id", String(24), nullable=False, index=True),
)

# Signed-in browsers of the web pages; the cookie holds the id, the table its SHA-256.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_digest", String(64), primary_key=True),
    _account_id(index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Failed sign-ins to the web pages, per email and client address (its SHA-256): the throttle.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    _sequence(),
    Column("key_digest", String(64), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Index("ix_sign_in_failures_key_digest_failed_at", "key_digest", "failed_at"),
)

# --- short rental ----------------------------------------------------------------------------

# A rental property: the devices that open it, the time zone its check-in and check-out times
# are local to, and the booking feed it is linked to (``service_id``).
addresses = Table(
    "addresses",
    metadata,
    Column("address_id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    Column("name", String(100), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("check_in_time", Integer, nullable=False),  # minutes after midnight, local
    Column("check_out_time", Integer, nullable=False),
    Column("settings", JSON(none_as_null=True), nullable=True),
    Column("service_id", String(32), nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

address_smartlocks = Table(
    "address_smartlocks",
    metadata,
    Column(
        "address_id",
        Integer,
        ForeignKey("addresses.address_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "smartlock_id",
        BigInteger,
        ForeignKey("smartlocks.smartlock_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

# An address token: redeemed once by a Nuki account, which then holds app authorizations on the
# address's devices (``invite_keys``: their ids).
address_tokens = Table(
    "address_tokens",
    metadata,
    Column("id", String(24), primary_key=True),
    Column(
        "address_id",
        Integer,
        ForeignKey("addresses.address_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("redeem_date", UTCDateTime, nullable=True),
    Column("redeem_account_id", Integer, nullable=True),
    Column("redeem_result", String(8), nullable=True),
    Column("invite_keys", JSON(none_as_null=True), nullable=True),
)

# A unit of an address (a flat, a room), with its address token.
address_units = Table(
    "address_units",
    metadata,
    Column("id", String(24), primary_key=True),
    Column(
        "address_id",
        Integer,
        ForeignKey("addresses.address_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(100), nullable=False),
    Column("address_token_id", String(24), nullable=False, unique=True),
    # Set while the unit is being deleted: its token's authorizations leave the devices first.
    Column("operation_id", String(36), nullable=True),
    Column("creation_date", UTCDateTime, nullable=False),
)

# A booking feed linked to an address: an iCal URL (sealed: it carries the platform's secret),
# synced periodically; the last sync's outcome is shown on the service.
booking_feeds = Table(
    "booking_feeds",
    metadata,
    Column("feed_id", Integer, primary_key=True, autoincrement=True),
    _account_id(index=True),
    Column("service_id", String(32), nullable=False),
    Column(
        "address_id",
        Integer,
        ForeignKey("addresses.address_id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("url_box", Text, nullable=False),
    Column("url_host", String(253), nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("sync_date", UTCDateTime, nullable=True),
    Column("sync_error", Text, nullable=True),
)

# A booking at an address, from its feed (or the simulator): the guest's access follows it.
reservations = Table(
    "reservations",
    metadata,
    Column("id", String(24), primary_key=True),
    _account_id(),
    Column(
        "address_id",
        Integer,
        ForeignKey("addresses.address_id", ondelete="CASCADE"),
        nullable=False,
    ),
    # The booking's key at its source (the iCal event's UID).
    Column("uid", String(255), nullable=False),
    Column("service_id", String(32), nullable=True),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("guests", Integer, nullable=False),
    Column("reference", String(100), nullable=True),
    Column("state", String(10), nullable=False),  # "accepted" or "canceled"
    # The days of arrival and departure, local to the address.
    Column("start_day", Date, nullable=False),
    Column("end_day", Date, nullable=False),
    # Custom access times (update/accesstimes), in minutes after midnight; else the address's.
    Column("check_in_time", Integer, nullable=True),
    Column("check_out_time", Integer, nullable=True),
    # 0 automatic, 1 issued by hand, 2 revoked by hand (domain.short_rental.Automation).
    Column("automation", Integer, nullable=False),
    Column("issued_code_box", Text, nullable=True),
    Column("access_error", Text, nullable=True),
    Column("update_date", UTCDateTime, nullable=False),
    UniqueConstraint("address_id", "uid"),
)

# Work to be done at a time, once, whichever instance does it: taken under a lease, retried
# with backoff. One row per (kind, subject): scheduling again moves its time.
jobs = Table(
    "jobs",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("due", UTCDateTime, nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("holder", String(32), nullable=True),
    Column("held_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
)

# The partners listed by GET /company, as the operator imported them.
companies = Table(
    "companies",
    metadata,
    _sequence(),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=True),
)

# --- accounts: mail, links, subscriptions; the opener intercom catalog -------------------------

# The mail outbox: a mail is written here in the transaction that causes it and sent by the job
# runner (job kind "mail", subject its id), retried until the SMTP server takes it, then deleted.
# The message is sealed: it may carry a single-use link.
mails = Table(
    "mails",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("recipient", String(254), nullable=False),
    Column("sealed_message", Text, nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
)

# Single-use, expiring links sent by mail (verify an email address, reset a password); the link
# holds the token, the table its SHA-256.
account_links = Table(
    "account_links",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("purpose", String(16), nullable=False),
    _account_id(index=True),
    # The address to verify (an email change takes effect when its link is followed).
    Column("email", String(254), nullable=True),
    Column("delete_api_tokens", Boolean, nullable=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# The operator's catalog of opener-compatible intercoms, as the vendor's public API shapes it
# (``document``: the whole OpenerIntercomBrand / OpenerIntercomModel); re-imports update by id.
intercom_brands = Table(
    "intercom_brands",
    metadata,
    Column("brand_id", Integer, primary_key=True, autoincrement=False),
    Column("brand", String(200), nullable=False),
)

intercom_models = Table(
    "intercom_models",
    metadata,
    Column("intercom_id", Integer, primary_key=True, autoincrement=False),
    Column("brand_id", Integer, nullable=False, index=True),
    Column("verified", Integer, nullable=False),
    Column("update_date", UTCDateTime, nullable=True, index=True),
    Column("document", JSON, nullable=False),
)

# The operator's subscription plans (the spec's Subscription).
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", Integer, primary_key=True, autoincrement=False),
    Column("titles", JSON, nullable=False),
    Column("descriptions", JSON, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("length", String(16), nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("gift_article", String(100), nullable=True),
    Column("available", Boolean, nullable=False),
    Column("update_date", UTCDateTime, nullable=False),
)

# What an account holds of a plan (the spec's AccountSubscription).
account_subscriptions = Table(
    "account_subscriptions",
    metadata,
    Column("id", String(24), primary_key=True),
    _account_id(index=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.subscription_id"),
        nullable=False,
    ),
    Column("period", Integer, nullable=False),
    Column("payment_type", String(16), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("gift_article", String(100), nullable=True),
    Column("status", String(16), nullable=False),
    Column("start_date", UTCDateTime, nullable=True),
    Column("period_end_date", UTCDateTime, nullable=True),
    Column("next_payment_date", UTCDateTime, nullable=True),
    # Terminated by the account: runs to its period's end, then finishes instead of renewing.
    Column("terminated", Boolean, nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
)

# Payments asked for by checkout, one per period paid; a provider (``manual``: the operator)
# confirms them.
subscription_payments = Table(
    "subscription_payments",
    metadata,
    Column("id", String(24), primary_key=True),
    Column(
        "account_subscription_id",
        String(24),
        ForeignKey("account_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("provider", String(32), nullable=False),
    Column("period", Integer, nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("status", String(16), nullable=False),
    Column("creation_date", UTCDateTime, nullable=False),
    Column("paid_date", UTCDateTime, nullable=True),
)

# Locks seen on the MQTT broker (bridges/mqtt.py), claimed by an account or not: the last value
# of each of their retained topics, by topic name; ``smartlock_id`` once claimed.
broker_locks = Table(
    "broker_locks",
    metadata,
    Column("nuki_id", BigInteger, primary_key=True, autoincrement=False),
    Column("device_type", Integer, nullable=True),
    Column("topic_values", JSON, nullable=False),
    Column("seen_date", UTCDateTime, nullable=False),
    Column(
        "smartlock_id",
        BigInteger,
        ForeignKey("smartlocks.smartlock_id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
)
