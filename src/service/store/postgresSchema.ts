// The PostgreSQL service store's tables (schema version SERVICE_SCHEMA_VERSION of rules.ts).

/** Creates every table, sequence and index (idempotent). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS tokens_org ON tokens (org_id, id);
CREATE TABLE IF NOT EXISTS batches (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL,
  root text NOT NULL,
  leaf_count integer NOT NULL CHECK (leaf_count > 0),
  metadata text NOT NULL,
  metadata_hash text NOT NULL,
  tree bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('sealed', 'anchored', 'confirmed')),
  sealed_at timestamptz NOT NULL,
  chain_id bigint, registry text, anchor_org_id bigint, sequence bigint,
  tx_hash text, block_number bigint, block_hash text, block_timestamp bigint,
  confirmed_at timestamptz,
  CHECK ((status = 'sealed') = (tx_hash IS NULL)),
  CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS batches_unconfirmed ON batches (id) WHERE status <> 'confirmed';
CREATE SEQUENCE IF NOT EXISTS entries_id_seq;
CREATE TABLE IF NOT EXISTS entries (
  id bigint PRIMARY KEY DEFAULT nextval('entries_id_seq'),
  org_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('record', 'attestation')),
  entry_hash text NOT NULL,
  leaf text NOT NULL,
  subject_sha256 text NOT NULL,
  body text NOT NULL,
  idempotency_key text,
  received_at timestamptz NOT NULL,
  batch_id bigint REFERENCES batches (id),
  UNIQUE (org_id, entry_hash),
  UNIQUE (org_id, idempotency_key)
);
ALTER SEQUENCE entries_id_seq OWNED BY entries.id;
CREATE INDEX IF NOT EXISTS entries_pending ON entries (org_id, id) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS entries_batch ON entries (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  org_id bigint NOT NULL,
  key text NOT NULL,
  entry_hash text NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE TABLE IF NOT EXISTS transactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id bigint NOT NULL REFERENCES batches (id),
  chain_id bigint NOT NULL,
  from_address text NOT NULL,
  nonce bigint NOT NULL,
  hash text NOT NULL,
  raw text NOT NULL,
  max_fee_per_gas text NOT NULL,
  max_priority_fee_per_gas text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'mined', 'replaced', 'dropped')),
  UNIQUE (chain_id, hash)
);
CREATE INDEX IF NOT EXISTS transactions_batch ON transactions (batch_id, id);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS leases (name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
`;
