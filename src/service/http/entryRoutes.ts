// The `/v1/entries` routes: ingesting entries (one, or a batch of up to MAX_BATCH_ENTRIES), an
// entry's status, and its receipt once its batch is confirmed.
import { assembleReceipt } from "../../ledger/assembleReceipt.js";
import { canonicalJson } from "../../core/canonicalJson.js";
import { type LedgerEntry, entryHash, entryJson, entrySubjectSha256, parseEntry } from "../../formats/entry.js";
import { describeCause } from "../../core/errors/base.js";
import { invalid } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { parseJson } from "../../core/parseJson.js";
import { recordLeaf } from "../../merkle/leaf.js";
import { serializeReceipt } from "../../formats/receipt.js";
import { expectArray, expectObject } from "../../core/validate.js";
import type { AddEntryResult, NewEntry, StoredEntry } from "../store/serviceStore.js";
import { checkIdempotencyKey, idempotencyKeyHeader, readJson } from "./body.js";
import type { CreateHttpApiParameters } from "./httpApi.js";
import { HttpError } from "./httpError.js";
import { errorBody, type Reply } from "./reply.js";
import type { Context } from "./router.js";

/** Most entries in one `POST /v1/entries:batch`. */
export const MAX_BATCH_ENTRIES = 1000;

/**
 * @example
 * import { createEntryRoutes } from "./service/http/entryRoutes.js";
 * const { postEntry } = createEntryRoutes(parameters, 1024 * 1024, () => false);
 */
export function createEntryRoutes(parameters: CreateHttpApiParameters, maxBodyBytes: number, isDraining: () => boolean) {
  const { store, ingest, metrics } = parameters;

  const ingestEntries = async (orgId: number, entries: readonly NewEntry[]): Promise<AddEntryResult[]> => {
    if (isDraining())
      throw new HttpError(503, "SHUTTING_DOWN", "the service is shutting down; send the entry again (to another instance)", {
        headers: { "retry-after": "1" },
      });
    const results = await ingest.add(entries);
    const counts = { created: 0, existing: 0, conflict: 0 };
    for (const r of results) counts[r.status]++;
    for (const status of ["created", "existing", "conflict"] as const) metrics.observeIngested(orgId, status, counts[status]);
    if (counts.created > 0) parameters.onIngested?.(orgId, counts.created);
    return results;
  };

  /** The lifecycle status to report for a stored result (`pending` when just created). */
  const statusOf = async (orgId: number, result: Extract<AddEntryResult, { status: "created" | "existing" }>): Promise<StoredEntry["status"]> => {
    if (result.status === "created") return "pending";
    return (await store.getEntry(orgId, result.entryHash))?.status ?? "pending";
  };

  const postEntry = async ({ request, orgId }: Context): Promise<Reply> => {
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { allowed: ["record", "envelope"] });
    const idempotencyKey = idempotencyKeyHeader(request);
    const [result] = await ingestEntries(orgId, [newEntry(orgId, entryOfRequest(o, "$"), idempotencyKey)]);
    if (result!.status === "conflict") throw conflict(idempotencyKey!, result!.existingEntryHash, "Idempotency-Key");
    const view = entryView(result!.entryHash, await statusOf(orgId, result!), result!.receivedAt);
    return { status: result!.status === "created" ? 201 : 200, body: view, headers: { location: view.links.self } };
  };

  const postEntriesBatch = async ({ request, orgId }: Context): Promise<Reply> => {
    if (request.headers["idempotency-key"] !== undefined)
      throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "a batch takes an idempotencyKey per entry, not an Idempotency-Key header", {
        path: "Idempotency-Key",
      });
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { required: ["entries"] });
    const items = expectArray(o.entries, "$.entries", "INVALID_ARGUMENT", 1, MAX_BATCH_ENTRIES);
    // All or nothing: one invalid entry refuses the batch (naming it) before anything is stored.
    const entries = items.map((item, i) => {
      const path = `$.entries[${i}]`;
      const fields = expectObject(item, path, "INVALID_ARGUMENT", { allowed: ["record", "envelope", "idempotencyKey"] });
      const key = fields.idempotencyKey === undefined ? undefined : checkIdempotencyKey(fields.idempotencyKey, `${path}.idempotencyKey`);
      return newEntry(orgId, entryOfRequest(fields, path), key);
    });
    const results = await ingestEntries(orgId, entries);
    const views = await Promise.all(
      results.map(async (r, i) => {
        if (r.status === "conflict") {
          const e = conflict(entries[i]!.idempotencyKey!, r.existingEntryHash, `$.entries[${i}].idempotencyKey`);
          return { result: "conflict", error: errorBody(e).error, existingId: r.existingEntryHash };
        }
        return { result: r.status, ...entryView(r.entryHash, await statusOf(orgId, r), r.receivedAt) };
      }),
    );
    return { status: 200, body: { entries: views } };
  };

  const getEntry = async ({ params, orgId }: Context): Promise<Reply> => {
    const stored = await findEntry(orgId, params.entryHash!);
    const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
    const anchored = (stored.status === "anchored" || stored.status === "confirmed") && batch?.anchor ? batch.anchor : null;
    return {
      status: 200,
      body: {
        ...entryView(stored.entryHash, stored.status, stored.receivedAt),
        kind: stored.kind,
        subjectSha256: stored.subjectSha256,
        leaf: stored.leaf,
        batchId: stored.batchId,
        ...(anchored ? { anchor: anchored } : {}),
        ...(stored.status === "confirmed" && batch?.confirmedAt ? { confirmedAt: batch.confirmedAt } : {}),
        requiredConfirmations: parameters.confirmations,
      },
    };
  };

  const getReceipt = async ({ params, orgId }: Context): Promise<Reply> => {
    const stored = await findEntry(orgId, params.entryHash!);
    if (stored.status !== "confirmed")
      throw new HttpError(
        409,
        "NOT_CONFIRMED",
        `entry ${stored.entryHash} is ${stored.status}: its receipt is issued once its batch is anchored with ${parameters.confirmations} confirmation(s)`,
        {
          extra: { status: stored.status },
        },
      );
    const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
    if (!batch?.anchor) throw new HttpError(500, "STORE_INCONSISTENT", `entry ${stored.entryHash} is confirmed but its batch ${stored.batchId} has no anchor`);
    const receipt = assembleReceipt({
      entry: storedEntry(stored),
      leaf: stored.leaf,
      batch: { ...batch, anchor: batch.anchor },
      tree: await store.getBatchTree(batch.id),
    });
    return { status: 200, body: serializeReceipt(receipt), contentType: "application/json" };
  };

  const findEntry = async (orgId: number, raw: string): Promise<StoredEntry> => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) invalid("INVALID_ARGUMENT", "an entry id is 0x + 64 hex digits (the entry's SHA-256)", "entryHash");
    const hash = raw.toLowerCase() as Hex;
    const stored = await store.getEntry(orgId, hash);
    // Another organisation's entry answers exactly like one that does not exist.
    if (!stored) throw new HttpError(404, "NOT_FOUND", `no entry ${hash} in this organisation`);
    return stored;
  };

  return { postEntry, postEntriesBatch, getEntry, getReceipt };
}

/** The JSON body of an entry's acknowledgement and status. */
function entryView(id: Hex, status: StoredEntry["status"], receivedAt: string) {
  return { id, status, receivedAt, links: { self: `/v1/entries/${id}`, receipt: `/v1/entries/${id}/receipt` } };
}

/** `{ record }` or `{ envelope }` of a request, validated (an envelope's statement and predicate too, not its signatures). */
function entryOfRequest(o: Record<string, unknown>, path: string): LedgerEntry {
  const hasRecord = o.record !== undefined;
  if (hasRecord === (o.envelope !== undefined)) invalid("INVALID_ARGUMENT", "give exactly one of record or envelope", path);
  const value = hasRecord ? o.record : o.envelope;
  const isEnvelope = value !== null && typeof value === "object" && !Array.isArray(value) && "payloadType" in value;
  if (hasRecord && isEnvelope) invalid("INVALID_RECORD", "this is a DSSE envelope: send it as envelope, not record", `${path}.record`);
  if (!hasRecord && !isEnvelope) invalid("INVALID_ENVELOPE", "a DSSE envelope has payloadType, payload and signatures", `${path}.envelope`);
  return parseEntry(value, `${path}.${hasRecord ? "record" : "envelope"}`);
}

function newEntry(orgId: number, entry: LedgerEntry, idempotencyKey: string | undefined): NewEntry {
  const hash = entryHash(entry);
  const subjectSha256 = entrySubjectSha256(entry);
  return {
    orgId,
    kind: entry.kind,
    entryHash: hash,
    // leafOfEntry(entry), without hashing the entry a second time.
    leaf: recordLeaf(`0x${subjectSha256}`, hash),
    subjectSha256,
    // Canonical JSON: the stored text is the entry exactly as hashed and as receipts will carry it.
    body: canonicalJson(entryJson(entry)),
    idempotencyKey,
  };
}

/** An entry as stored, parsed back; a stored entry that no longer parses is the store's fault, not the client's. */
function storedEntry(stored: StoredEntry): LedgerEntry {
  try {
    return parseEntry(parseJson(stored.body, "stored entry"));
  } catch (cause) {
    throw new HttpError(500, "STORE_INCONSISTENT", `the stored entry ${stored.entryHash} does not parse: ${describeCause(cause)}`, { cause });
  }
}

function conflict(key: string, existing: Hex, path: string): HttpError {
  return new HttpError(
    409,
    "IDEMPOTENCY_KEY_REUSED",
    `idempotency key ${JSON.stringify(key)} was already used for entry ${existing}, not this one; nothing was stored`,
    {
      path,
      extra: { existingId: existing },
    },
  );
}
