// `addEntries` of the PostgreSQL store: group commit of many entries in a few round trips, safe
// against concurrent writers on other instances.
import type pg from "pg";
import { StoreError } from "../../core/errors/store.js";
import type { Hex } from "../../core/hex.js";
import type { Row } from "./rows.js";
import { lower } from "./rules.js";
import type { AddEntryResult, NewEntry } from "./serviceStore.js";

/**
 * One transaction, a handful of round trips whatever the number of entries: look up every hash
 * and key at once, decide each entry in order in memory, claim the new keys, insert the new
 * entries. Rows are written sorted, so concurrent calls take their locks in one order (no
 * deadlock); ids are drawn from the sequence in the order of the array. A key or hash that a
 * concurrent call committed between our lookup and our insert is found by ON CONFLICT DO NOTHING
 * (which waits for that call to finish) and the entries concerned are decided again.
 */
export async function addEntriesIn(c: pg.PoolClient, entries: readonly NewEntry[], receivedAt: Date): Promise<AddEntryResult[]> {
  const receivedAtText = receivedAt.toISOString();
  const hashes = entries.map((e) => lower(e.entryHash));
  const keyed = entries.flatMap((e) => (e.idempotencyKey === undefined ? [] : [e]));
  /** What the database holds: `org:hash` → entry, `org:key` → the hash it names. */
  const stored = new Map<string, { id: number; receivedAt: string; created: boolean }>();
  const owners = new Map<string, Hex>();
  const remember = (rows: Row[]) => {
    for (const row of rows)
      if (row.t === "e") stored.set(`${String(row.org_id)}:${String(row.a)}`, { id: Number(row.b), receivedAt: iso(row.received_at), created: false });
      else owners.set(`${String(row.org_id)}:${String(row.a)}`, row.b as Hex);
  };
  const lookUp = async (list: readonly { orgId: number; entryHash: Hex }[], keys: readonly { orgId: number; key: string }[]) =>
    remember(
      (
        await c.query({
          name: "service-look-up",
          text: `SELECT 'e' AS t, e.org_id, e.entry_hash AS a, e.id::text AS b, e.received_at FROM entries e
              JOIN unnest($1::bigint[], $2::text[]) AS w (org_id, entry_hash) ON e.org_id = w.org_id AND e.entry_hash = w.entry_hash
            UNION ALL
            SELECT 'k', k.org_id, k.key, k.entry_hash, NULL FROM idempotency_keys k
              JOIN unnest($3::bigint[], $4::text[]) AS w (org_id, key) ON k.org_id = w.org_id AND k.key = w.key`,
          values: [list.map((e) => e.orgId), list.map((e) => e.entryHash), keys.map((k) => k.orgId), keys.map((k) => k.key)],
        })
      ).rows as Row[],
    );
  await lookUp(
    entries.map((e, i) => ({ orgId: e.orgId, entryHash: hashes[i]! })),
    keyed.map((e) => ({ orgId: e.orgId, key: e.idempotencyKey! })),
  );

  // Keys first: each round claims the keys nobody held; a key a concurrent call claimed meanwhile is now known, decide again.
  type Decision = { conflict: Hex } | { at: string };
  let decisions: Decision[] = [];
  let newEntries: number[] = [];
  for (let round = 0; ; round++) {
    const claims = new Map<string, Hex>();
    decisions = [];
    newEntries = [];
    const planned = new Set<string>();
    for (const [i, entry] of entries.entries()) {
      const entryHash = hashes[i]!;
      const at = `${entry.orgId}:${entryHash}`;
      if (entry.idempotencyKey !== undefined) {
        const keyAt = `${entry.orgId}:${entry.idempotencyKey}`;
        const owner = owners.get(keyAt) ?? claims.get(keyAt);
        if (owner !== undefined && owner !== entryHash) {
          decisions.push({ conflict: owner });
          continue;
        }
        if (owner === undefined) claims.set(keyAt, entryHash);
      }
      if (!stored.has(at) && !planned.has(at)) {
        planned.add(at);
        newEntries.push(i);
      }
      decisions.push({ at });
    }
    if (claims.size === 0) break;
    const rows = [...claims].map(([keyAt, entryHash]) => {
      const colon = keyAt.indexOf(":");
      return { orgId: Number(keyAt.slice(0, colon)), key: keyAt.slice(colon + 1), entryHash };
    });
    rows.sort((a, b) => a.orgId - b.orgId || compare(a.key, b.key));
    const claimed = await c.query({
      name: "service-claim-keys",
      text: `INSERT INTO idempotency_keys (org_id, key, entry_hash)
          SELECT org_id, key, entry_hash FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS w (org_id, key, entry_hash, n) ORDER BY n
          ON CONFLICT DO NOTHING RETURNING org_id, key`,
      values: [rows.map((r) => r.orgId), rows.map((r) => r.key), rows.map((r) => r.entryHash)],
    });
    for (const row of claimed.rows as Row[]) owners.set(`${String(row.org_id)}:${String(row.key)}`, claims.get(`${String(row.org_id)}:${String(row.key)}`)!);
    if (claimed.rowCount === rows.length) continue; // every claim is now an owner: the next round decides without claims
    if (round >= 10) throw new StoreError("STORE_CONFLICT", "concurrent writers kept claiming the same idempotency keys; nothing was stored");
    const lost = rows.filter((r) => !owners.has(`${r.orgId}:${r.key}`));
    await lookUp([], lost);
  }

  if (newEntries.length > 0) {
    const inserted = await c.query({
      name: "service-insert-entries",
      text: `WITH w AS (
            SELECT nextval('entries_id_seq') AS id, u.* FROM (
              SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
                AS u (org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, n)
              ORDER BY n) u)
          INSERT INTO entries (id, org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, received_at)
          SELECT id, org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, $8 FROM w ORDER BY org_id, entry_hash COLLATE "C"
          ON CONFLICT DO NOTHING RETURNING id, org_id, entry_hash`,
      values: [
        newEntries.map((i) => entries[i]!.orgId),
        newEntries.map((i) => entries[i]!.kind),
        newEntries.map((i) => hashes[i]!),
        newEntries.map((i) => entries[i]!.leaf),
        newEntries.map((i) => entries[i]!.subjectSha256),
        newEntries.map((i) => entries[i]!.body),
        newEntries.map((i) => entries[i]!.idempotencyKey ?? null),
        receivedAt,
      ],
    });
    for (const row of inserted.rows as Row[])
      stored.set(`${String(row.org_id)}:${String(row.entry_hash)}`, { id: Number(row.id), receivedAt: receivedAtText, created: true });
    // Entries a concurrent call stored first (it committed while we waited): existing.
    if (inserted.rowCount !== newEntries.length)
      await lookUp(
        newEntries.filter((i) => !stored.has(`${entries[i]!.orgId}:${hashes[i]!}`)).map((i) => ({ orgId: entries[i]!.orgId, entryHash: hashes[i]! })),
        [],
      );
  }

  const reported = new Set<string>();
  return decisions.map((d, i): AddEntryResult => {
    if ("conflict" in d) return { status: "conflict", existingEntryHash: d.conflict };
    const found = stored.get(d.at);
    if (found === undefined) throw new StoreError("STORE_CONFLICT", `entry ${hashes[i]!} was neither stored nor found; nothing was stored`);
    // The first mention of an entry this call created is `created`; any other is `existing`.
    const created = found.created && !reported.has(d.at);
    reported.add(d.at);
    return { status: created ? "created" : "existing", id: found.id, entryHash: hashes[i]!, receivedAt: found.receivedAt };
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const iso = (value: unknown): string => (value as Date).toISOString();
