#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# a read-only login for Grafana's "Strata gold marts" data source. Strata's migrations run later
# as POSTGRES_USER, so default privileges give the reader SELECT on every table and view they
# create (gold marts, silver history) and USAGE on their schemas; it can never write.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader_password="${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD must be set}" <<'SQL'
CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '30s';
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO grafana_reader;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO grafana_reader;
SQL
