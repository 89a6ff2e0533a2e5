-- Schema drift of source responses: one row per (source, field, kind), first and last seen.
-- Upserted per partition by silver/market_snapshots (in its load transaction) and by the bronze
-- check no_missing_fields (which blocks silver when a required field is gone).
CREATE TABLE silver.schema_drift (
  id               bigserial PRIMARY KEY,
  source           text NOT NULL,
  field            text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('new_field', 'missing_field', 'type_changed')),
  first_seen_at    timestamptz NOT NULL,
  last_seen_at     timestamptz NOT NULL,
  first_partition  text NOT NULL,
  last_partition   text NOT NULL,
  example          jsonb,
  UNIQUE (source, field, kind)
);
