"""on PostgreSQL, campaigns refer to the directory without locking its rows

A foreign key on PostgreSQL checks each new row by taking a KEY SHARE lock on
the row it refers to. Every create of an account refers to the same few rows
(the account, its site, the site's blocks, its numbers), so concurrent creates
all lock the same rows: PostgreSQL turns each such lock into a MultiXact and
dirties and logs the parent row's page for it. That was about a fifth of the
server's CPU per create (bench/create_paths.py; see NOTES.md).

The four references from campaigns and campaign_site_blocks to the directory
are therefore no longer foreign keys on PostgreSQL:

- the service checks each of them in the transaction that writes them (the
  facts query of service/campaign_facts.py), before the write;
- no API call deletes or re-keys an account, site, site block or phone number;
- what an operator might do by hand is still refused: a trigger rejects
  deleting (or changing the id of) a directory row that a campaign refers to,
  with the error a foreign key gives (SQLSTATE 23503).

What is given up: a directory row deleted by hand at the very moment a create
that refers to it commits is no longer blocked by that create. SQLite keeps
its foreign keys: there a check is an index probe inside the single writer's
transaction, and costs nothing like this.

References from a campaign's own rows to the campaign (with their cascades),
and from pool_numbers to phone_numbers (each pool number belongs to one
campaign, so no row is hot), stay foreign keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (referring table, column, directory table, foreign key it replaces)
REFERENCES = (
    ("campaigns", "account_id", "accounts", "campaigns_account_id_fkey"),
    ("campaigns", "site_id", "sites", "campaigns_site_id_fkey"),
    ("campaign_site_blocks", "site_block_id", "site_blocks", "campaign_site_blocks_site_block_id_fkey"),
    ("campaign_site_blocks", "phone_number_id", "phone_numbers", "campaign_site_blocks_phone_number_id_fkey"),
)
_GUARD = "refuse_change_of_referenced_row"

# TG_ARGV holds (referring table, column) pairs. format() quotes them as identifiers.
_GUARD_FUNCTION = f"""
CREATE FUNCTION {_GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    FOR pair IN 0 .. TG_NARGS / 2 - 1 LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[pair * 2], TG_ARGV[pair * 2 + 1])
            INTO referenced USING OLD.id;
        IF referenced THEN
            RAISE EXCEPTION '% % is still referenced from table "%"', TG_TABLE_NAME, OLD.id, TG_ARGV[pair * 2]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$
"""


def _guarded_tables() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for referring, column, directory, _name in REFERENCES:
        tables.setdefault(directory, []).append((referring, column))
    return tables


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_GUARD_FUNCTION)
    for directory, referrers in _guarded_tables().items():
        arguments = ", ".join(f"'{name}'" for pair in referrers for name in pair)
        op.execute(
            f"CREATE TRIGGER {directory}_still_referenced BEFORE DELETE OR UPDATE OF id ON {directory} "
            f"FOR EACH ROW EXECUTE FUNCTION {_GUARD}({arguments})"
        )
    for referring, _column, _directory, name in REFERENCES:
        op.drop_constraint(name, referring, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for referring, column, directory, name in REFERENCES:
        op.create_foreign_key(name, referring, directory, [column], ["id"])
    for directory in _guarded_tables():
        op.execute(f"DROP TRIGGER {directory}_still_referenced ON {directory}")
    op.execute(f"DROP FUNCTION {_GUARD}()")
