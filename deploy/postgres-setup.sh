#!/usr/bin/env bash
# Least-privilege PostgreSQL for Senim (docs/operations.md, "PostgreSQL roles").
#
#   deploy/postgres-setup.sh create   roles, the two databases and the restore-check scratch
#                                     database (run once, as a superuser)
#   deploy/postgres-setup.sh grants   the application role's rights (run after EVERY migration)
#
# Two roles:
#   owner (SENIM_PG_OWNER, default senim_owner): owns the databases and tables; migrations run
#         as this role and only as this role (`flask --app wsgi db upgrade` with owner URLs).
#   app   (SENIM_PG_APP, default senim_app): what the running web workers and the scheduler use.
#         It may read and write the application's tables, but it may never UPDATE, DELETE or
#         TRUNCATE an audit row, never ALTER or DROP a table, never create one, and never change
#         the migration version. A compromised web worker can append to the audit trail but
#         cannot rewrite it.
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, ...) for a superuser.
set -euo pipefail

OWNER="${SENIM_PG_OWNER:-senim_owner}"
APP="${SENIM_PG_APP:-senim_app}"
CASEWORK_DB="${SENIM_PG_CASEWORK_DB:-senim_casework}"
INTEL_DB="${SENIM_PG_INTEL_DB:-senim_intel}"
# Scratch for the monthly restore check (SENIM_BACKUP_CHECK_DATABASE_URL): owned by the app
# role, which may create schemas there and nowhere else; it holds a copy only while a check
# runs, and the check drops it at the end.
CHECK_DB="${SENIM_PG_CHECK_DB:-senim_restorecheck}"
for name in "$OWNER" "$APP" "$CASEWORK_DB" "$INTEL_DB" "$CHECK_DB"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { echo "invalid name: $name" >&2; exit 2; }
done

psql_su() { psql -v ON_ERROR_STOP=1 -q -X "$@"; }

create() {
  psql_su -d postgres <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$OWNER') THEN
    CREATE ROLE $OWNER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP') THEN
    CREATE ROLE $APP LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END\$\$;
SQL
  for db in "$CASEWORK_DB" "$INTEL_DB"; do
    if [ -z "$(psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_su -d postgres -c "CREATE DATABASE $db OWNER $OWNER ENCODING 'UTF8' TEMPLATE template0"
    fi
    psql_su -d "$db" <<SQL
REVOKE ALL ON DATABASE $db FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $db TO $OWNER;
GRANT CONNECT ON DATABASE $db TO $APP;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO $OWNER;
GRANT USAGE ON SCHEMA public TO $APP;
SQL
  done
  if [ -z "$(psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$CHECK_DB'")" ]; then
    psql_su -d postgres -c "CREATE DATABASE $CHECK_DB OWNER $APP ENCODING 'UTF8' TEMPLATE template0"
  fi
  psql_su -d "$CHECK_DB" -c "REVOKE ALL ON DATABASE $CHECK_DB FROM PUBLIC; GRANT CONNECT, CREATE ON DATABASE $CHECK_DB TO $APP;"
  echo "roles $OWNER, $APP and databases $CASEWORK_DB, $INTEL_DB (and scratch $CHECK_DB) ready; migrate as $OWNER, then run: $0 grants"
}

grants() {
  for db in "$CASEWORK_DB" "$INTEL_DB"; do
    psql_su -d "$db" <<SQL
BEGIN;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM $APP;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $APP;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO $APP;
-- The migration version is the owner's.
DO \$\$BEGIN
  IF to_regclass('public.alembic_version') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM $APP;
  END IF;
  -- The audit trail is append-only for the application (the streams' head rows move; the
  -- entries and the signed roots never change).
  IF to_regclass('public.audit_events') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_events FROM $APP;
  END IF;
  IF to_regclass('public.audit_roots') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_roots FROM $APP;
  END IF;
END\$\$;
COMMIT;
SQL
  done
  echo "grants applied to $APP on $CASEWORK_DB and $INTEL_DB"
}

case "${1:-}" in
  create) create ;;
  grants) grants ;;
  *) echo "usage: $0 create|grants" >&2; exit 2 ;;
esac
