"""The tables, as SQLAlchemy Core metadata.

Migrations under migrations/versions create them; this module is what the
queries are written against. Times are unix seconds (BIGINT) so both engines
store and compare them the same way.

The references from campaigns and campaign_site_blocks to the directory
(account, site, site block, phone number) are foreign keys on SQLite only. On
PostgreSQL a foreign key locks the row it refers to on every insert, and all
creates of an account refer to the same rows; there the service checks them in
the writing transaction and a trigger refuses deleting a directory row still in
use (migration 0007).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Surrogate keys of rows the service creates start above the demo data's range.
FIRST_GENERATED_ID = 1001
STATIC_UTM_PARTS = ("source", "medium", "campaign", "term", "content", "referrer", "expid")
# The system campaign ("Visitors without advertising campaign") of an account is
# the row with this id; the API calls it -1 in every account.
SYSTEM_CAMPAIGN_API_ID = -1
SYSTEM_CAMPAIGN_NAME = "Visitors without advertising campaign"
# 2026-01-15 10:00:00 UTC: when the demo's sites, numbers and campaigns were set up; what rows
# that existed before their creation time was recorded say.
DEMO_DAY = 1_768_471_200


def system_campaign_id(account_id: int) -> int:
    return -account_id


# SQLite only autoincrements an INTEGER PRIMARY KEY (its rowid), not a BIGINT one.
GeneratedId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    # Comma-separated component names: call_tracking, va, dynamic_call_tracking.
    sa.Column("components", sa.Text, nullable=False, server_default=""),
    # active, disabled (by the customer's operator) or blocked (by the platform); only
    # active may call (account_inactive otherwise).
    sa.Column("state", sa.Text, nullable=False, server_default="active"),
    # An IANA zone name: get.account answers it; dates are read and written in it.
    sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
    # How many virtual numbers the plan allows; NULL: unlimited.
    sa.Column("virtual_number_quota", sa.BigInteger, nullable=True),
    sa.Column("campaign_quota", sa.BigInteger, nullable=False),
    # Basic campaigns the account has: kept by create and delete in their
    # transactions, so the quota check reads one row instead of counting.
    sa.Column("basic_campaigns", sa.BigInteger, nullable=False, server_default="0"),
    # Comma-separated CIDR networks the account may call from.
    sa.Column("ip_whitelist", sa.Text, nullable=False),
    sa.Column("day_limit", sa.BigInteger, nullable=False),
    sa.Column("minute_limit", sa.BigInteger, nullable=False),
    # Points spent in the current day and minute window (Unix time it started).
    # In the database so that every replica spends from the same budget; on the
    # account row so that charging a call and taking the campaign quota are one
    # statement and one row lock.
    sa.Column("day_window_start", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("day_points_used", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("minute_window_start", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("minute_points_used", sa.BigInteger, nullable=False, server_default="0"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    # NULL for agents (partners): they act for the users of their customers.
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("is_agent", sa.Boolean, nullable=False),
    sa.Column("login", sa.Text, nullable=True, unique=True),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    # False: read-only (get.* only).
    sa.Column("can_write", sa.Boolean, nullable=False),
)

agent_customers = sa.Table(
    "agent_customers",
    metadata,
    sa.Column("agent_user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    # SHA-256 of the token: the token itself is never stored.
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("is_blocked", sa.Boolean, nullable=False),
    sa.Column("is_temporary", sa.Boolean, nullable=False),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # Lowercase; unique per account (ignoring case), which create.sites and update.sites check.
    sa.Column("domain_name", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=True),
    # False: managed from the agent's client area; update.sites and delete.sites refuse it.
    sa.Column("is_editable", sa.Boolean, nullable=False, server_default=sa.true()),
    # new, disable, error or work; the service never changes it (it does not watch tracking code).
    sa.Column("state", sa.Text, nullable=False, server_default="work"),
    sa.Column("created_at", sa.BigInteger, nullable=False, server_default=str(DEMO_DAY)),
    # The rest are the settings of METHODS.md §1-§3, with their documented defaults.
    sa.Column("default_phone_number", sa.Text, nullable=True),
    sa.Column("industry_id", sa.BigInteger, nullable=True),
    sa.Column("target_call_min_duration", sa.BigInteger, nullable=False, server_default="30"),
    sa.Column("track_subdomains", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("cookie_lifetime", sa.BigInteger, nullable=False, server_default="90"),
    sa.Column("campaign_lifetime", sa.BigInteger, nullable=False, server_default="90"),
    sa.Column("sales_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("second_communication_period", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("services_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("replacement_dynamical_block_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_support_web_directory", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_block_robot_traffic", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("widget_link_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("widget_link_text", sa.Text, nullable=True),
    sa.Column("widget_link_url", sa.Text, nullable=True),
    sa.Column("show_visitor_id_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("show_visitor_id_element_id_value", sa.Text, nullable=True),
    sa.Column("show_visitor_id_message", sa.Text, nullable=True),
    sa.Column("show_visitor_id_length", sa.BigInteger, nullable=False, server_default="6"),
)

site_blocks = sa.Table(
    "site_blocks",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("site_id", sa.BigInteger, sa.ForeignKey("sites.id"), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
)

phone_numbers = sa.Table(
    "phone_numbers",
    metadata,
    sa.Column("id", GeneratedId, sa.Identity(start=FIRST_GENERATED_ID), primary_key=True),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("phone_number", sa.Text, nullable=False, unique=True),
    # call_tracking, va or user: what a campaign block may use it as.
    sa.Column("type", sa.Text, nullable=False),
    # True: stock for dynamic call tracking pools, not offered as a block number.
    sa.Column("is_pool_stock", sa.Boolean, nullable=False),
    # Flagged for hosted PBX use: never put in a pool.
    sa.Column("is_hosted_pbx", sa.Boolean, nullable=False),
    # When the account got it (get.virtual_numbers); the stock's category it came with, else usual.
    sa.Column("activation_date", sa.BigInteger, nullable=False, server_default=str(DEMO_DAY)),
    sa.Column("category", sa.Text, nullable=False, server_default="usual"),
    # The stock's location and charges of a number enabled from it, kept for its way back (migration 0011).
    sa.Column("stock_location_mnemonic", sa.Text, nullable=True),
    sa.Column("stock_location_name", sa.Text, nullable=True),
    sa.Column("stock_onetime_payment", sa.Float, nullable=False, server_default="0"),
    sa.Column("stock_monthly_charge", sa.Float, nullable=False, server_default="0"),
    sa.Column("stock_min_charge", sa.Float, nullable=False, server_default="0"),
    # In a dynamic call tracking pool: pool_numbers has its row (whose key is the guarantee of one pool a
    # number). Set and cleared by triggers on pool_numbers, whoever writes it (a foreign key's cascade
    # included), so that vacant stock is found by an index rather than by looking up every pooled number
    # of the account (migration 0015).
    sa.Column("in_pool", sa.Boolean, nullable=False, server_default=sa.false()),
    sqlite_autoincrement=True,
)
# What a pool may take: the account's pool stock, not for hosted PBX, in no pool. The vacant-stock query
# states the same terms, which is what lets either engine use the partial index.
VACANT_STOCK = sa.and_(
    phone_numbers.c.is_pool_stock.is_(True),
    phone_numbers.c.is_hosted_pbx.is_(False),
    phone_numbers.c.in_pool.is_(False),
)
sa.Index(
    "ix_phone_numbers_vacant_stock",
    phone_numbers.c.account_id,
    phone_numbers.c.id,
    sqlite_where=VACANT_STOCK,
    postgresql_where=VACANT_STOCK,
)

redirection_numbers = sa.Table(
    "redirection_numbers",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("phone_number", sa.Text, nullable=False),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", GeneratedId, sa.Identity(start=FIRST_GENERATED_ID), primary_key=True),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # Byte order on both engines: COLLATE "C" on PostgreSQL (migration 0006; not in
    # the type, which would put it on every bound value too), BINARY on SQLite. So
    # ix_campaigns_account_name serves sorting by name and LIKE prefixes.
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    # basic, integrated, or system (one per account, id = -account_id).
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("site_id", sa.BigInteger, sa.ForeignKey("sites.id"), nullable=True),
    sa.Column("engine", sa.Text, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("dct_reservation_time", sa.Text, nullable=True),
    sa.Column("dct_count_virtual_numbers", sa.BigInteger, nullable=True),
    sa.Column("dct_count_visits", sa.BigInteger, nullable=True),
    sa.Column("cost_ratio", sa.Float, nullable=False, server_default="1"),
    sa.Column("cost_ratio_operator", sa.Text, nullable=False, server_default="wo_changes"),
    *(sa.Column(f"static_utm_{part}", sa.Text, nullable=True) for part in STATIC_UTM_PARTS),
    # The campaign's conditions as one JSON document (service/condition_documents.py; migration 0014
    # moved them here from a row each); NULL: none.
    sa.Column("conditions", sa.Text, nullable=True),
    sa.Index("ix_campaigns_account_name", "account_id", "name"),
    # Campaigns by site (migration 0013): get.sites' integrations (by type), delete.sites' check, a site_id filter.
    sa.Index("ix_campaigns_site_type", "site_id", "type"),
    sqlite_autoincrement=True,
)

campaign_site_blocks = sa.Table(
    "campaign_site_blocks",
    metadata,
    sa.Column("campaign_id", sa.BigInteger, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_block_id", sa.BigInteger, sa.ForeignKey("site_blocks.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("phone_number_id", sa.BigInteger, sa.ForeignKey("phone_numbers.id"), nullable=False),
    sa.Column("redirection_phone_number_id", sa.BigInteger, nullable=True),
    sa.Column("dynamic_call_tracking_enabled", sa.Boolean, nullable=False),
    # Equal to phone_number_id when that number is call_tracking, else NULL. Its
    # UNIQUE constraint is what keeps a call_tracking number in one campaign, even
    # across service processes: the loser of a race gets an IntegrityError.
    sa.Column("exclusive_phone_number_id", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("exclusive_phone_number_id", name="uq_campaign_site_blocks_exclusive_number"),
)

pool_numbers = sa.Table(
    "pool_numbers",
    metadata,
    # One pool per number: the primary key is the guarantee.
    sa.Column("phone_number_id", sa.BigInteger, sa.ForeignKey("phone_numbers.id"), primary_key=True),
    sa.Column("campaign_id", sa.BigInteger, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    sa.Column("site_block_id", sa.BigInteger, nullable=False),
)

number_stock = sa.Table(
    "number_stock",
    metadata,
    # The platform's numbers that no account holds yet. An id is the number's for
    # good: enabling moves it to phone_numbers under the same id (issue 14).
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("phone_number", sa.Text, nullable=False),
    # usual, bronze, silver, gold, platinum.
    sa.Column("category", sa.Text, nullable=False, server_default="usual"),
    sa.Column("location_mnemonic", sa.Text, nullable=True),
    sa.Column("location_name", sa.Text, nullable=True),
    sa.Column("onetime_payment", sa.Float, nullable=False, server_default="0"),
    sa.Column("monthly_charge", sa.Float, nullable=False, server_default="0"),
    sa.Column("min_charge", sa.Float, nullable=False, server_default="0"),
    sa.UniqueConstraint("phone_number", name="uq_number_stock_phone_number"),
)

id_counters = sa.Table(
    "id_counters",
    metadata,
    # The ids of sites and site blocks the service creates (service/storage/counters.py): above
    # every id the directory gave, never handed out twice. One row per table name.
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("next_id", sa.BigInteger, nullable=False),
)

# The weight names of get.campaign_parameter_weights, in its order (METHODS.md §9).
PARAMETER_WEIGHTS = (
    "entrance_page",
    "referrer_domain",
    "search_engine",
    "search_query",
    "engine",
    "referrer",
    "channel",
    "location",
    "utm_tags",
    "os_tags",
    "other_tags",
)

site_parameter_weights = sa.Table(
    "site_parameter_weights",
    metadata,
    # A site's weights once a client changed one; NULL (or no row): the documented default.
    sa.Column("site_id", sa.BigInteger, sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    *(sa.Column(name, sa.BigInteger, nullable=True) for name in PARAMETER_WEIGHTS),
)

campaign_costs = sa.Table(
    "campaign_costs",
    metadata,
    # Uploaded spend as spans of days (days since 1970-01-01, both inclusive) with their total in
    # cents, spread over the days as METHODS.md §11 says; spans of one campaign and site never overlap.
    sa.Column("campaign_id", sa.BigInteger, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", sa.BigInteger, primary_key=True),
    sa.Column("day_from", sa.BigInteger, primary_key=True),
    sa.Column("day_till", sa.BigInteger, nullable=False),
    sa.Column("cents", sa.BigInteger, nullable=False),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    # What is counted: "login" (key: SHA-256 of the login as sent, so any string fits) or "ip"
    # (key: the client's address; an IPv6 client's /64). See service/throttle.py.
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    # The fixed window the count belongs to starts here (unix seconds).
    sa.Column("window_start", sa.BigInteger, nullable=False),
    # Attempts admitted in the window and not taken back by a right password.
    sa.Column("failures", sa.BigInteger, nullable=False),
    # The sweep of windows that ended reads by this.
    sa.Index("ix_login_failures_window_start", "window_start"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    # The answers of calls made with an idempotency key (service/idempotency.py), per account: keys of
    # different accounts never meet. Stored in the transaction that did the work, so a key is remembered
    # exactly when the work was committed.
    sa.Column("account_id", sa.BigInteger, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    # SHA-256 (hex) of the rpc and the request as sent: the same key with another request is refused.
    sa.Column("fingerprint", sa.Text, nullable=False),
    # The rpc's response message, serialized: what a replay answers.
    sa.Column("response", sa.LargeBinary, nullable=False),
    # Unix seconds; the key answers again until created_at + the service's idempotency TTL.
    sa.Column("created_at", sa.BigInteger, nullable=False),
)
