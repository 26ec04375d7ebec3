// The SQLite service store's tables (schema version SERVICE_SCHEMA_VERSION of rules.ts).

/** Creates every table and index (idempotent). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS tokens_org ON tokens (org_id, id);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  root TEXT NOT NULL,
  leaf_count INTEGER NOT NULL CHECK (leaf_count > 0),
  metadata TEXT NOT NULL,
  metadata_hash TEXT NOT NULL,
  tree BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sealed', 'anchored', 'confirmed')),
  sealed_at TEXT NOT NULL,
  chain_id INTEGER, registry TEXT, anchor_org_id INTEGER, sequence INTEGER,
  tx_hash TEXT, block_number INTEGER, block_hash TEXT, block_timestamp INTEGER,
  confirmed_at TEXT,
  CHECK ((status = 'sealed') = (tx_hash IS NULL)),
  CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS batches_unconfirmed ON batches (id) WHERE status <> 'confirmed';
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('record', 'attestation')),
  entry_hash TEXT NOT NULL,
  leaf TEXT NOT NULL,
  subject_sha256 TEXT NOT NULL,
  body TEXT NOT NULL,
  idempotency_key TEXT,
  received_at TEXT NOT NULL,
  batch_id INTEGER REFERENCES batches (id),
  UNIQUE (org_id, entry_hash),
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (org_id, id) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS entries_batch ON entries (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  org_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  entry_hash TEXT NOT NULL,
  PRIMARY KEY (org_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id INTEGER NOT NULL REFERENCES batches (id),
  chain_id INTEGER NOT NULL,
  from_address TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  hash TEXT NOT NULL,
  raw TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'mined', 'replaced', 'dropped')),
  UNIQUE (chain_id, hash)
);
CREATE INDEX IF NOT EXISTS transactions_batch ON transactions (batch_id, id);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at_ms INTEGER NOT NULL);
`;
