import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type PostgresCluster, startPostgresCluster } from "../helpers/postgresCluster.js";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { keyFileFromEthereumKey, onChainRole, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { signStatement } from "../../src/formats/attestation/signStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import type { DsseEnvelope } from "../../src/formats/attestation/dsse.js";
import { deployRegistry, registerOrganisation, registerSigningKey, reinstateSubject, revokeSubject } from "../../src/chain/registry.js";
import type { ChainReader } from "../../src/chain/types.js";
import { connectReader, connectWriter } from "../../src/chain/connect.js";
import { parseByteSize, parseDuration, parseGwei } from "../../src/cli/serveCommands.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { ChainError } from "../../src/core/errors/chain.js";
import { StoreError } from "../../src/core/errors/store.js";
import type { Hex } from "../../src/core/hex.js";
import { type Receipt, parseReceipt } from "../../src/formats/receipt.js";
import { createRecord, recordHash } from "../../src/formats/record.js";
import { generateApiToken, hashApiToken } from "../../src/service/apiToken.js";
import { ROUTES } from "../../src/service/http/httpApi.js";
import { createIngestQueue } from "../../src/service/ingestQueue.js";
import { createLogger, redactLogValue } from "../../src/service/logger.js";
import { createServiceMetrics } from "../../src/service/metrics.js";
import { type RunningService, type ServiceConfig, parseListen, startService } from "../../src/service/service.js";
import type { AddEntryResult, NewEntry, ServiceStore } from "../../src/service/store/serviceStore.js";
import { openServiceStore } from "../../src/service/store/openServiceStore.js";
import { openSqliteServiceStore } from "../../src/service/store/sqlite.js";
import { verifyAttestation } from "../../src/verify/verifyAttestation.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import { type HttpAnswer, readAnswer } from "../helpers/httpAnswer.js";
import { rpcCall } from "../helpers/localNode.js";

// The anchoring service end to end: the real service (HTTP API, SQLite store, anchorer) against an
// embedded chain over JSON-RPC, driven with fetch as a client would, and the CLI as a process.

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CHAIN_ID = 31337;
/** Hardhat's second well-known development account (public knowledge), anchorer of organisation 3. */
const SECOND_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SECOND_ACCOUNT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
/** Credentials in the RPC URL that must never reach a log line. */
const RPC_SECRETS = ["rpc-user-secret", "rpc-password-secret", "rpc-query-secret", "abcdefghijklmnopqrstuvwxyz123456"];

let chain: EmbeddedChain;
let reader: ChainReader;
let registry: Hex;
let org1: number;
let org2: number;
let org3: number;
let work: string;
let rpcWithCredentials: string;
const signingKey = keyFileFromEthereumKey(DEV_PRIVATE_KEY);

/** A random SHA-256 (64 hex digits): every test entry is about a new artifact. */
const sha = () => randomBytes(32).toString("hex");
const record = (name = "acme/detector", version = `1.0.${randomBytes(3).readUIntBE(0, 3)}`) =>
  createRecord({ subject: { name, version, digest: { sha256: sha() }, artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 } } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function envelope(): Promise<DsseEnvelope> {
  return signStatement(
    {
      _type: STATEMENT_TYPE,
      subject: [{ name: "acme/detector@2.0.0", digest: { sha256: sha() } }],
      predicateType: EVALUATION_PREDICATE_TYPE,
      predicate: createEvaluationPredicate({
        dataset: { name: "acme/holdout", digest: { sha256: sha() } },
        metrics: [{ name: "accuracy", value: 0.93, unit: "ratio", threshold: { operator: ">=", value: 0.9 } }],
        evaluatedAt: new Date("2026-11-22T10:00:00Z"),
      }),
    },
    [signerFromKeyFile(signingKey)],
  );
}

type Answer = HttpAnswer;

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  let body: string | Uint8Array | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  return readAnswer(await fetch(`${base}${path}`, { method, headers: { ...headers, ...options.headers }, ...(body === undefined ? {} : { body }) }));
}

/** Opens the SQLite store `file` and asserts it holds no entry `hash` of `orgId`. */
async function assertNotStored(file: string, orgId: number, hash: Hex): Promise<void> {
  const store = await openSqliteServiceStore(file);
  assert.equal(await store.getEntry(orgId, hash), null);
  await store.close();
}

function expectError(answer: Answer, status: number, code: string, path?: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body?.error?.code, code, answer.text);
  assert.equal(typeof answer.body.error.message, "string");
  assert.ok(answer.body.error.message.length > 10, `the message says what is wrong: ${answer.text}`);
  if (path !== undefined) assert.equal(answer.body.error.path, path, answer.text);
}

/** Polls GET /v1/entries/{id} until `done`; returns every status seen, in order. */
async function waitForStatus(base: string, token: string, id: string, done: (status: string) => boolean, timeoutMs = 60_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call(base, "GET", `/v1/entries/${id}`, { token });
    assert.equal(answer.status, 200, answer.text);
    if (seen.at(-1) !== answer.body.status) seen.push(answer.body.status);
    if (done(answer.body.status)) return seen;
    if (Date.now() > deadline) assert.fail(`entry ${id} stayed ${answer.body.status} (seen ${seen.join(" → ")})`);
    await sleep(50);
  }
}

const rpc = (method: string, params: unknown[] = []): Promise<unknown> => rpcCall(chain.rpcUrl, method, params);

/** The CLI as a process (from source through tsx), in `cwd`, with only `env` (and PATH). */
function cli(
  args: string[],
  env: Record<string, string>,
  cwd = work,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const script = `import { main } from ${JSON.stringify(pathToFileURL(join(REPO, "src/cli/main.ts")).href)}; process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(process.execPath, ["--no-warnings", "--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** A store already pinned to the test chain and registry, with a token for each organisation given. */
async function preparedStore(file: string, orgs: number[]): Promise<string[]> {
  const store = await openSqliteServiceStore(file);
  await store.setMeta("chain_id", String(CHAIN_ID));
  await store.setMeta("registry", registry.toLowerCase());
  const tokens: string[] = [];
  for (const orgId of orgs) {
    const token = generateApiToken();
    await store.createToken({ orgId, name: `org ${orgId}`, tokenHash: hashApiToken(token) });
    tokens.push(token);
  }
  await store.close();
  return tokens;
}

/** Runs `body` against a service started with `config`, and closes the service whatever happens. */
async function serving(config: ServiceConfig, body: (service: RunningService) => Promise<void>): Promise<void> {
  const service = await startService(config);
  try {
    await body(service);
  } finally {
    await service.close();
  }
}

/** The environment of `provenance serve` for org3, anchoring with the second account; `overrides` adds or replaces settings. */
function serveEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PROVENANCE_RPC_URL: chain.rpcUrl,
    PROVENANCE_REGISTRY: registry,
    PROVENANCE_CHAIN_ID: String(CHAIN_ID),
    PROVENANCE_PRIVATE_KEY: SECOND_KEY,
    PROVENANCE_ORG: String(org3),
    ...overrides,
  };
}

function baseConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    store: join(work, `unused-${randomBytes(4).toString("hex")}.db`),
    rpcUrl: chain.rpcUrl,
    chainId: CHAIN_ID,
    registry,
    privateKey: DEV_PRIVATE_KEY,
    orgIds: [org1],
    listen: { host: "127.0.0.1", port: 0 },
    intervalMs: 100,
    rpcTimeoutMs: 10_000,
    ...overrides,
  };
}

before(async () => {
  chain = await startEmbeddedChain();
  const admin = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 20_000);
  reader = connectReader(chain.rpcUrl, 20_000);
  registry = (await deployRegistry(admin)).registry;
  org1 = (await registerOrganisation(admin, registry, { name: "Org One" })).orgId;
  org2 = (await registerOrganisation(admin, registry, { name: "Org Two" })).orgId;
  org3 = (await registerOrganisation(admin, registry, { name: "Org Three", anchorers: [SECOND_ACCOUNT] })).orgId;
  const possession = await proveKeyPossession(signerFromKeyFile(signingKey), {
    chainId: chain.chainId,
    registry,
    orgId: org1,
    role: onChainRole("ml-pipeline"),
  });
  await registerSigningKey(admin, registry, { orgId: org1, role: onChainRole("ml-pipeline"), possession });
  work = await mkdtemp(join(tmpdir(), "provenance-service-"));
  const url = new URL(chain.rpcUrl);
  rpcWithCredentials = `http://${RPC_SECRETS[0]}:${RPC_SECRETS[1]}@${url.host}/v3/${RPC_SECRETS[3]}?apikey=${RPC_SECRETS[2]}`;
});

after(async () => {
  await chain?.close();
});

describe("the anchoring service over HTTP", () => {
  let service: RunningService;
  let base: string;
  let store: ServiceStore;
  let token1: string;
  let token2: string;
  let unservedToken: string;
  let addEntriesCalls = 0;
  const logs: string[] = [];
  const ids: { record?: string; envelope?: string; keyed?: string } = {};

  before(async () => {
    const file = join(work, "service.db");
    store = await openSqliteServiceStore(file);
    // Counts transactions, to see group commit at work.
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "addEntries")
          return (entries: readonly NewEntry[]): Promise<AddEntryResult[]> => {
            addEntriesCalls++;
            return target.addEntries(entries);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    service = await startService(
      baseConfig({
        store: counting,
        rpcUrl: rpcWithCredentials,
        orgIds: [org1, org2],
        confirmations: 2,
        maxBodyBytes: 256 * 1024,
        logger: createLogger({ level: "debug", write: (line) => void logs.push(line) }),
      }),
    );
    base = service.url;
    // Tokens through the CLI (a separate process on the same SQLite file), printed once.
    const created = [];
    for (const [orgId, name] of [
      [org1, "ci-org1"],
      [org2, "ci-org2"],
      [4242, "unserved"],
    ] as const) {
      const run = await cli(["token", "create", "--org", String(orgId), "--name", name, "--store", file, "--json"], {}).done;
      assert.equal(run.code, 0, run.stderr);
      created.push(JSON.parse(run.stdout) as { id: number; orgId: number; token: string });
    }
    [token1, token2, unservedToken] = created.map((c) => c.token) as [string, string, string];
    assert.match(token1, /^pvl_[A-Za-z0-9_-]{43}$/);
  });

  after(async () => {
    await service?.close();
    await store?.close();
  });

  it("default: /healthz answers while alive; /readyz once store, chain and anchorer are", async () => {
    const health = await call(base, "GET", "/healthz");
    assert.deepEqual([health.status, health.body], [200, { status: "ok" }]);
    let ready: Answer;
    const deadline = Date.now() + 20_000;
    do {
      ready = await call(base, "GET", "/readyz");
      if (ready.status === 200 && ready.body.checks.anchorer.leader === true) break;
      await sleep(50);
    } while (Date.now() < deadline);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.body, { ready: true, checks: { store: "ok", chain: "ok", anchorer: { running: true, leader: true } } });
  });

  it("default: docs/openapi.json describes exactly the routes the server answers", async () => {
    const doc = (await call(base, "GET", "/openapi.json")).body;
    assert.equal(doc.openapi, "3.1.0");
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => ["get", "post", "put", "patch", "delete", "head"].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(documented.sort(), ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    // And the server answers each documented route (not 404 for the route, not 405).
    for (const route of ROUTES) {
      const path = route.path.replace("{entryHash}", `0x${"0".repeat(64)}`);
      const answer = await call(base, route.method, path, { token: token1, ...(route.method === "POST" ? { body: {} } : {}) });
      assert.ok(
        answer.status !== 405 && !(answer.status === 404 && answer.body?.error?.message?.startsWith("no route")),
        `${route.method} ${route.path}: ${answer.status} ${answer.text}`,
      );
    }
    // Every documented response references schemas that exist.
    for (const ref of JSON.stringify(doc).match(/"#\/components\/(schemas|responses)\/\w+/g) ?? []) {
      const [, kind, name] = /#\/components\/(\w+)\/(\w+)/.exec(ref)!;
      assert.ok(doc.components[kind!][name!], `${ref} is defined`);
    }
  });

  it("error: unknown routes 404, wrong methods 405 with Allow, wrong content types 415", async () => {
    expectError(await call(base, "GET", "/v2/entries"), 404, "NOT_FOUND");
    expectError(await call(base, "GET", "/v1/entries/"), 404, "NOT_FOUND");
    const wrong = await call(base, "DELETE", "/v1/entries", { token: token1 });
    expectError(wrong, 405, "METHOD_NOT_ALLOWED");
    assert.equal(wrong.headers.get("allow"), "POST");
    expectError(await call(base, "POST", "/healthz"), 405, "METHOD_NOT_ALLOWED");
    const text = await call(base, "POST", "/v1/entries", {
      token: token1,
      raw: JSON.stringify({ record: record() }),
      headers: { "content-type": "text/plain" },
    });
    expectError(text, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
    expectError(
      await call(base, "POST", "/v1/entries", { token: token1, raw: "{}", headers: { "content-type": "application/json; charset=latin1" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("error: a missing, malformed, unknown or revoked token is 401; a token of an organisation not served is 403", async () => {
    const missing = await call(base, "POST", "/v1/entries", { body: { record: record() } });
    expectError(missing, 401, "UNAUTHENTICATED", "Authorization");
    assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
    expectError(await call(base, "GET", `/v1/entries/0x${"0".repeat(64)}`, { headers: { authorization: `Basic ${btoa("a:b")}` } }), 401, "UNAUTHENTICATED");
    expectError(await call(base, "GET", `/v1/entries/0x${"0".repeat(64)}`, { token: "not-a-token" }), 401, "INVALID_TOKEN");
    expectError(await call(base, "GET", `/v1/entries/0x${"0".repeat(64)}`, { token: generateApiToken() }), 401, "INVALID_TOKEN");
    expectError(await call(base, "POST", "/v1/verify", { body: {} }), 401, "UNAUTHENTICATED");
    expectError(await call(base, "POST", "/v1/entries", { token: unservedToken, body: { record: record() } }), 403, "FORBIDDEN");
    // Revoked through the CLI: refused from the next request on.
    const temporary = await cli(["token", "create", "--org", String(org1), "--name", "short-lived", "--store", join(work, "service.db"), "--json"], {}).done;
    const { id, token } = JSON.parse(temporary.stdout) as { id: number; token: string };
    assert.equal((await call(base, "GET", `/v1/entries/0x${"0".repeat(64)}`, { token })).status, 404);
    const list = await cli(["token", "list", "--org", String(org1), "--store", join(work, "service.db"), "--json"], {}).done;
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout).tokens as { id: number }[]).some((t) => t.id === id));
    assert.ok(!list.stdout.includes("pvl_"), "token list never shows a token");
    assert.equal((await cli(["token", "revoke", String(id), "--store", join(work, "service.db")], {}).done).code, 0);
    expectError(await call(base, "GET", `/v1/entries/0x${"0".repeat(64)}`, { token }), 401, "INVALID_TOKEN");
  });

  it("error: strict JSON — syntax errors, duplicate keys and invalid records are 400 naming the path; nothing is stored", async () => {
    const syntax = await call(base, "POST", "/v1/entries", { token: token1, raw: '{"record": {' });
    expectError(syntax, 400, "INVALID_JSON", "$");
    assert.match(syntax.body.error.message, /line 1, column/);
    const r = record();
    const text = JSON.stringify({ record: r }).replace('"type":"model-registered"', '"type":"model-registered","type":"model-revoked"');
    expectError(await call(base, "POST", "/v1/entries", { token: token1, raw: text }), 400, "DUPLICATE_KEY", "$.record.type");
    expectError(
      await call(base, "POST", "/v1/entries", { token: token1, body: { record: { ...r, subject: { ...r.subject, digest: { sha256: "XYZ" } } } } }),
      400,
      "INVALID_RECORD",
      "$.record.subject.digest.sha256",
    );
    expectError(await call(base, "POST", "/v1/entries", { token: token1, body: { record: r, envelope: {} } }), 400, "INVALID_ARGUMENT", "$");
    expectError(await call(base, "POST", "/v1/entries", { token: token1, body: { record: r, extra: 1 } }), 400, "INVALID_ARGUMENT", "$.extra");
    expectError(await call(base, "POST", "/v1/entries", { token: token1, body: { envelope: r } }), 400, "INVALID_ENVELOPE", "$.envelope");
    const env = await envelope();
    expectError(
      await call(base, "POST", "/v1/entries", { token: token1, body: { envelope: { ...env, payload: `${env.payload}=` } } }),
      400,
      "INVALID_BASE64",
      "$.envelope.payload",
    );
    expectError(await call(base, "POST", "/v1/entries", { token: token1, raw: '{"record": 9007199254740993}' }), 400, "NUMBER_OUT_OF_RANGE", "$.record");
    assert.equal(await store.getEntry(org1, recordHash(r)), null, "nothing of a refused request is stored");
  });

  it("error: a body over the limit is 413 and says the limit; the connection is still answered", async () => {
    const big = JSON.stringify({ record: { ...record(), fields: { blob: "x".repeat(300 * 1024) } } });
    const answer = await call(base, "POST", "/v1/entries", { token: token1, raw: big });
    expectError(answer, 413, "BODY_TOO_LARGE");
    assert.equal(answer.body.limit, 256 * 1024);
    assert.match(answer.body.error.message, /262144 bytes/);
    // Far over the limit: refused from Content-Length without reading it all.
    expectError(await call(base, "POST", "/v1/entries", { token: token1, raw: new Uint8Array(8 * 1024 * 1024) }), 413, "BODY_TOO_LARGE");
  });

  it("default: a record is 201 with its id and links; sent again it is 200 with the same answer", async () => {
    const r = record();
    const first = await call(base, "POST", "/v1/entries", { token: token1, body: { record: r } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.id, recordHash(r));
    assert.equal(first.body.status, "pending");
    assert.deepEqual(first.body.links, { self: `/v1/entries/${first.body.id}`, receipt: `/v1/entries/${first.body.id}/receipt` });
    assert.equal(first.headers.get("location"), first.body.links.self);
    const stored = await store.getEntry(org1, first.body.id);
    assert.equal(stored?.receivedAt, first.body.receivedAt, "acknowledged means stored");
    const again = await call(base, "POST", "/v1/entries", { token: token1, body: { record: r } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.receivedAt, first.body.receivedAt);
    ids.record = first.body.id;
  });

  it("default: a signed attestation (DSSE envelope) is 201 and stored as an attestation", async () => {
    const env = await envelope();
    const answer = await call(base, "POST", "/v1/entries", { token: token1, body: { envelope: env } });
    assert.equal(answer.status, 201, answer.text);
    const status = await call(base, "GET", `/v1/entries/${answer.body.id}`, { token: token1 });
    assert.equal(status.body.kind, "attestation");
    assert.equal(status.body.subjectSha256, JSON.parse(Buffer.from(env.payload, "base64").toString()).subject[0].digest.sha256);
    ids.envelope = answer.body.id;
  });

  it("behavior: Idempotency-Key — the same key with the same entry is 200, with another entry 409 and nothing stored", async () => {
    const key = `upload-${randomBytes(6).toString("hex")}`;
    const a = record();
    const b = record();
    const first = await call(base, "POST", "/v1/entries", { token: token1, body: { record: a }, headers: { "idempotency-key": key } });
    assert.equal(first.status, 201, first.text);
    const same = await call(base, "POST", "/v1/entries", { token: token1, body: { record: a }, headers: { "idempotency-key": key } });
    // The same answer, but for the status: the batcher may have sealed the entry in between (CI did).
    assert.deepEqual([same.status, { ...same.body, status: first.body.status }], [200, first.body]);
    assert.ok(["pending", "sealed", "anchored", "confirmed"].includes(same.body.status), same.text);
    const other = await call(base, "POST", "/v1/entries", { token: token1, body: { record: b }, headers: { "idempotency-key": key } });
    expectError(other, 409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");
    assert.equal(other.body.existingId, first.body.id);
    expectError(await call(base, "GET", `/v1/entries/${recordHash(b)}`, { token: token1 }), 404, "NOT_FOUND");
    // Keys are per organisation: organisation 2 may use the same key for its own entry.
    assert.equal((await call(base, "POST", "/v1/entries", { token: token2, body: { record: b }, headers: { "idempotency-key": key } })).status, 201);
    expectError(
      await call(base, "POST", "/v1/entries", { token: token1, body: { record: b }, headers: { "idempotency-key": "tab\there" } }),
      400,
      "INVALID_IDEMPOTENCY_KEY",
    );
    ids.keyed = first.body.id;
  });

  it("behavior: POST /v1/entries:batch stores all valid entries in one transaction, reporting created, existing and conflict per entry", async () => {
    const key = `batch-${randomBytes(4).toString("hex")}`;
    const fresh = [record(), record(), record()];
    const before = addEntriesCalls;
    const answer = await call(base, "POST", "/v1/entries:batch", {
      token: token1,
      body: {
        entries: [
          { record: fresh[0] },
          { record: fresh[1], idempotencyKey: key },
          { envelope: await envelope() },
          { record: fresh[1], idempotencyKey: key },
          { record: fresh[2], idempotencyKey: key },
        ],
      },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(
      answer.body.entries.map((e: { result: string }) => e.result),
      ["created", "created", "created", "existing", "conflict"],
    );
    assert.equal(answer.body.entries[4].error.code, "IDEMPOTENCY_KEY_REUSED");
    assert.equal(answer.body.entries[4].error.path, "$.entries[4].idempotencyKey");
    assert.equal(answer.body.entries[4].existingId, recordHash(fresh[1]!));
    assert.equal(addEntriesCalls - before, 1, "one transaction for the whole batch");
    // One invalid entry refuses the batch, naming it; nothing is stored.
    const lone = record();
    const refused = await call(base, "POST", "/v1/entries:batch", {
      token: token1,
      body: { entries: [{ record: lone }, { record: { ...lone, format: "v0" } }] },
    });
    expectError(refused, 400, "UNSUPPORTED_FORMAT", "$.entries[1].record.format");
    assert.equal(await store.getEntry(org1, recordHash(lone)), null);
    expectError(await call(base, "POST", "/v1/entries:batch", { token: token1, body: { entries: [] } }), 400, "INVALID_ARGUMENT", "$.entries");
    // 1001 entries are refused by count, before any entry is read (empty ones keep the body under this server's --max-body).
    expectError(
      await call(base, "POST", "/v1/entries:batch", { token: token1, body: { entries: Array.from({ length: 1001 }, () => ({})) } }),
      400,
      "INVALID_ARGUMENT",
      "$.entries",
    );
  });

  it("behavior: group commit — concurrent requests share transactions, and every 201 is stored", async () => {
    const before = addEntriesCalls;
    const records = Array.from({ length: 120 }, () => record("acme/burst"));
    const answers = await Promise.all(records.map((r) => call(base, "POST", "/v1/entries", { token: token2, body: { record: r } })));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    const transactions = addEntriesCalls - before;
    assert.ok(transactions < records.length / 2, `${records.length} requests took ${transactions} transactions`);
    for (const r of records) assert.ok(await store.getEntry(org2, recordHash(r)));
  });

  it("behavior: per-organisation isolation — another organisation's entry is 404, exactly like an unknown one", async () => {
    const mine = await call(base, "GET", `/v1/entries/${ids.record}`, { token: token1 });
    assert.equal(mine.status, 200);
    const theirs = await call(base, "GET", `/v1/entries/${ids.record}`, { token: token2 });
    const unknown = await call(base, "GET", `/v1/entries/0x${"1".repeat(64)}`, { token: token2 });
    expectError(theirs, 404, "NOT_FOUND");
    assert.equal(theirs.body.error.message.replace(ids.record!, "X"), unknown.body.error.message.replace(`0x${"1".repeat(64)}`, "X"));
    expectError(await call(base, "GET", `/v1/entries/${ids.record}/receipt`, { token: token2 }), 404, "NOT_FOUND");
    expectError(await call(base, "GET", "/v1/entries/0x12", { token: token1 }), 400, "INVALID_ARGUMENT", "entryHash");
  });

  it("behavior: status goes pending → sealed → anchored → confirmed; the receipt is 409 until confirmed", async () => {
    // Earlier entries first, so that no other batch mines the block that confirms this one.
    for (const id of [ids.record, ids.envelope, ids.keyed]) await waitForStatus(base, token1, id!, (s) => s === "anchored" || s === "confirmed");
    const r = record("acme/progress");
    const posted = await call(base, "POST", "/v1/entries", { token: token1, body: { record: r } });
    const early = await call(base, "GET", `/v1/entries/${posted.body.id}/receipt`, { token: token1 });
    expectError(early, 409, "NOT_CONFIRMED");
    assert.ok(["pending", "sealed", "anchored"].includes(early.body.status), early.text);
    const seen = await waitForStatus(base, token1, posted.body.id, (s) => s === "anchored" || s === "confirmed");
    const order = ["pending", "sealed", "anchored", "confirmed"];
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      `statuses in order: ${seen.join(" → ")}`,
    );
    const anchored = await call(base, "GET", `/v1/entries/${posted.body.id}`, { token: token1 });
    assert.equal(anchored.body.anchor.chainId, CHAIN_ID);
    assert.equal(anchored.body.anchor.registry, registry.toLowerCase());
    assert.equal(anchored.body.anchor.orgId, org1);
    assert.equal(typeof anchored.body.batchId, "number");
    assert.equal(anchored.body.requiredConfirmations, 2);
    if (anchored.body.status === "anchored") {
      expectError(await call(base, "GET", `/v1/entries/${posted.body.id}/receipt`, { token: token1 }), 409, "NOT_CONFIRMED");
      await rpc("evm_mine"); // the second confirmation
      await waitForStatus(base, token1, posted.body.id, (s) => s === "confirmed");
    } else {
      // Another transaction mined the block that gave the second confirmation before we looked:
      // the receipt must then really be 2 blocks deep.
      const head = Number(BigInt((await rpc("eth_blockNumber")) as string));
      assert.ok(head - anchored.body.anchor.blockNumber + 1 >= 2, `confirmed at depth ${head - anchored.body.anchor.blockNumber + 1}`);
    }
    const confirmed = await call(base, "GET", `/v1/entries/${posted.body.id}`, { token: token1 });
    assert.ok(Date.parse(confirmed.body.confirmedAt) >= Date.parse(confirmed.body.receivedAt));
  });

  describe("receipts", () => {
    let recordReceipt: Receipt;
    let envelopeReceipt: Receipt;
    let receiptFile: string;

    before(async () => {
      await rpc("evm_mine");
      for (const id of [ids.record, ids.envelope]) await waitForStatus(base, token1, id!, (s) => s === "confirmed");
      const a = await call(base, "GET", `/v1/entries/${ids.record}/receipt`, { token: token1 });
      assert.equal(a.status, 200, a.text);
      recordReceipt = parseReceipt(a.text);
      envelopeReceipt = parseReceipt((await call(base, "GET", `/v1/entries/${ids.envelope}/receipt`, { token: token1 })).text);
      receiptFile = join(work, "record.receipt.json");
      await writeFile(receiptFile, a.text);
    });

    it("default: the receipt is a provenance-receipt-v1 that verifyReceipt accepts against the pinned chain and registry", async () => {
      assert.equal(recordReceipt.format, "provenance-receipt-v1");
      const result = await verifyReceipt({ receipt: recordReceipt, chain: reader, chainId: CHAIN_ID, registry, acceptedOrgIds: [org1], confirmations: 2 });
      assert.equal(result.organisation.name, "Org One");
      assert.equal(result.entry.kind, "record");
      const attestation = await verifyAttestation({ receipt: envelopeReceipt, chain: reader, chainId: CHAIN_ID, registry });
      assert.equal(attestation.signers[0]?.keyid, signingKey.keyid);
    });

    it("default: `provenance verify` (the CLI, as a process) verifies the downloaded receipt", async () => {
      // The service's caller holds the model's digest, not its files: the verdict says so (exit 3).
      const digest = parseReceipt(await readFile(receiptFile, "utf8")).record!.subject.digest.sha256;
      const run = await cli(
        [
          "verify",
          receiptFile,
          "--artifact-digest",
          `sha256:${digest}`,
          "--rpc",
          chain.rpcUrl,
          "--registry",
          registry,
          "--chain-id",
          String(CHAIN_ID),
          "--org",
          String(org1),
          "--json",
        ],
        {},
      ).done;
      assert.equal(run.code, 3, run.stderr + run.stdout);
      const verdict = JSON.parse(run.stdout);
      assert.equal(verdict.verified, true);
      assert.equal(verdict.artifact.checked, "digest-only");
    });

    it("default: POST /v1/verify verifies a receipt and an attestation's receipt with the service's own pins", async () => {
      const answer = await call(base, "POST", "/v1/verify", {
        token: token2,
        body: { receipt: recordReceipt, artifactSha256: recordReceipt.record!.subject.digest.sha256 },
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.verified, true);
      assert.equal(answer.body.entryHash, ids.record);
      assert.equal(answer.body.artifactChecked, true);
      assert.deepEqual(answer.body.artifact, { checked: "digest-only", sha256: recordReceipt.record!.subject.digest.sha256 }, "the service reads no files");
      assert.deepEqual(answer.body.organisation, { id: org1, name: "Org One" });
      assert.ok(answer.body.checks.includes("confirmations"));
      const attestation = await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: envelopeReceipt } });
      assert.equal(attestation.status, 200, attestation.text);
      assert.equal(attestation.body.signers[0].keyid, signingKey.keyid);
      assert.ok(attestation.body.checks.includes("signing-key"));
    });

    it("error: POST /v1/verify of a tampered receipt is 422 naming the failed check", async () => {
      const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}`;
      const tamperedProof = {
        ...recordReceipt,
        proof: recordReceipt.proof.length ? [flip(recordReceipt.proof[0]!), ...recordReceipt.proof.slice(1)] : [`0x${"0".repeat(64)}`],
      };
      const answer = await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: tamperedProof } });
      assert.equal(answer.status, 422, answer.text);
      assert.deepEqual(Object.keys(answer.body).sort(), ["check", "message", "verified"]);
      assert.equal(answer.body.verified, false);
      assert.equal(answer.body.check, "proof-root");
      const otherRecord = await call(base, "POST", "/v1/verify", {
        token: token1,
        body: { receipt: { ...recordReceipt, record: { ...recordReceipt.record, type: "model-revoked" } } },
      });
      assert.equal(otherRecord.body.check, "record-leaf");
      const otherArtifact = await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: recordReceipt, artifactSha256: "0".repeat(64) } });
      assert.equal(otherArtifact.body.check, "artifact-digest");
      const otherChain = await call(base, "POST", "/v1/verify", {
        token: token1,
        body: { receipt: { ...recordReceipt, anchor: { ...recordReceipt.anchor, chainId: 1 } } },
      });
      assert.equal(otherChain.body.check, "chain-id");
      expectError(
        await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: { ...recordReceipt, format: "provenance-receipt-v9" } } }),
        400,
        "UNSUPPORTED_FORMAT",
        "$.receipt.format",
      );
      expectError(
        await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: recordReceipt, artifactSha256: "XYZ" } }),
        400,
        "INVALID_ARGUMENT",
        "$.artifactSha256",
      );
    });

    it("error: POST /v1/verify of a receipt whose subject its organisation has revoked since is 422 revocation, naming the block; reinstated, it verifies", async () => {
      const subject = `0x${recordReceipt.record!.subject.digest.sha256}` as const;
      const orgAdmin = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 20_000);
      const { receipt } = await revokeSubject(orgAdmin, registry, org1, subject, `0x${"0".repeat(64)}`);
      try {
        const answer = await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: recordReceipt } });
        assert.equal(answer.status, 422, answer.text);
        assert.equal(answer.body.verified, false);
        assert.equal(answer.body.check, "revocation");
        assert.match(answer.body.message, new RegExp(`is revoked by organisation ${org1} at block ${Number(receipt.blockNumber)}$`));
        assert.equal(answer.body.revocation.findings[0].blockNumber, Number(receipt.blockNumber));
      } finally {
        await reinstateSubject(orgAdmin, registry, org1, subject, `0x${"0".repeat(64)}`);
      }
      const again = await call(base, "POST", "/v1/verify", { token: token1, body: { receipt: recordReceipt } });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual([again.body.revocation.revoked, again.body.revocation.checked], [false, [{ sha256: subject.slice(2), organisations: [org1] }]]);
    });
  });

  it("default: /metrics exposes the service's metrics in Prometheus text format with sane values", async () => {
    const answer = await call(base, "GET", "/metrics");
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = answer.text;
    for (const name of [
      "provenance_pending_entries",
      "provenance_oldest_pending_age_seconds",
      "provenance_entries_ingested_total",
      "provenance_batches_anchored_total",
      "provenance_anchor_latency_seconds",
      "provenance_accept_to_confirm_seconds",
      "provenance_gas_used_total",
      "provenance_rpc_errors_total",
      "provenance_reorgs_total",
      "provenance_http_requests_total",
      "provenance_http_request_duration_seconds",
    ])
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"), name);
    const value = (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exposed`);
      return Number(line.slice(series.length + 1));
    };
    // Organisation 1 above: a record, an envelope, a keyed record, a batch of 3 new, the progression record.
    assert.equal(value(`provenance_entries_ingested_total{org="${org1}",status="created"}`), 7);
    // The record again, the same key with the same record, the repeat within the batch.
    assert.equal(value(`provenance_entries_ingested_total{org="${org1}",status="existing"}`), 3);
    assert.equal(value(`provenance_entries_ingested_total{org="${org1}",status="conflict"}`), 2);
    assert.ok(value(`provenance_batches_anchored_total{org="${org1}"}`) >= 1);
    assert.ok(value("provenance_gas_used_total") > 21_000);
    assert.ok(value("provenance_anchor_latency_seconds_count") >= 1);
    // Per entry: at least the record, the envelope and the progression record were confirmed.
    assert.ok(value("provenance_accept_to_confirm_seconds_count") >= 3);
    assert.ok(value("provenance_accept_to_confirm_seconds_sum") > 0);
    assert.equal(value("provenance_reorgs_total"), 0);
    assert.ok(value(`provenance_pending_entries{org="${org1}"}`) >= 0);
    assert.ok(value(`provenance_oldest_pending_age_seconds{org="${org2}"}`) >= 0);
    assert.equal(value("provenance_store_up"), 1);
    assert.ok(value('provenance_http_requests_total{route="/v1/entries",code="201"}') >= 5);
    assert.ok(value('provenance_http_requests_total{route="/v1/entries",code="413"}') >= 2);
    assert.equal(
      value('provenance_http_request_duration_seconds_bucket{route="/v1/entries",le="+Inf"}'),
      value('provenance_http_request_duration_seconds_count{route="/v1/entries"}'),
    );
    // Cumulative buckets never decrease.
    const buckets = text
      .split("\n")
      .filter((l) => l.startsWith('provenance_http_request_duration_seconds_bucket{route="/v1/entries",'))
      .map((l) => Number(l.split(" ")[1]));
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
    );
  });

  it("behavior: a client that hangs up mid-body is not a server error", async () => {
    const { port, hostname } = new URL(base);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token1}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"record":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await sleep(50);
    assert.equal((await call(base, "GET", "/healthz")).status, 200);
    assert.ok(!logs.some((l) => l.includes('"level":"error"')), "no error was logged");
  });

  it("behavior: logs are JSON lines without tokens, the private key or the RPC URL's credentials", () => {
    assert.ok(logs.length > 20, "debug logging wrote request lines");
    for (const line of logs) {
      const parsed = JSON.parse(line) as { level: string; time: string; msg: string };
      assert.ok(["debug", "info", "warn", "error"].includes(parsed.level) && !Number.isNaN(Date.parse(parsed.time)) && parsed.msg, line);
    }
    const all = logs.join("\n");
    assert.match(all, /"msg":"service started"/);
    assert.match(all, /"route":"\/v1\/entries"/);
    for (const secret of [token1, token2, unservedToken, DEV_PRIVATE_KEY.slice(2), ...RPC_SECRETS])
      assert.ok(!all.includes(secret), `a log line contains ${secret.slice(0, 12)}…`);
  });
});

describe("starting and stopping", () => {
  it("error: refuses to start when the node serves another chain than the configured one", async () => {
    const file = join(work, "wrong-chain.db");
    await assert.rejects(
      startService(baseConfig({ store: file, chainId: 1 })),
      (e: unknown) => e instanceof ChainError && e.code === "CHAIN_ID_MISMATCH" && /serves chain 31337/.test(e.message),
    );
    await assert.rejects(stat(file), "nothing was created");
  });

  it("error: refuses a store first used with another chain", async () => {
    const file = join(work, "other-chain.db");
    const store = await openSqliteServiceStore(file);
    await store.setMeta("chain_id", "5");
    await store.close();
    await assert.rejects(
      startService(baseConfig({ store: file })),
      (e: unknown) => e instanceof ChainError && e.code === "CHAIN_ID_MISMATCH" && /used with chain 5/.test(e.message),
    );
  });

  it("error: refuses an organisation the account may not anchor for", async () => {
    await assert.rejects(startService(baseConfig({ orgIds: [org3] })), /not an anchorer of organisation/);
  });

  it("behavior: a first start pins the chain ID and registry in the store", async () => {
    const file = join(work, "fresh.db");
    const service = await startService(baseConfig({ store: file }));
    await service.close();
    const store = await openSqliteServiceStore(file);
    assert.deepEqual([await store.getMeta("chain_id"), await store.getMeta("registry")], [String(CHAIN_ID), registry.toLowerCase()]);
    await store.close();
  });

  it("error: a read-only store answers 503 STORE_UNAVAILABLE and nothing is stored", async () => {
    const file = join(work, "read-only.db");
    const [token] = await preparedStore(file, [org1]);
    await serving(baseConfig({ store: file, sqlite: { readOnly: true } }), async (service) => {
      const r = record();
      const answer = await call(service.url, "POST", "/v1/entries", { token: token!, body: { record: r } });
      expectError(answer, 503, "STORE_UNAVAILABLE");
      assert.ok(answer.headers.get("retry-after"));
      const batch = await call(service.url, "POST", "/v1/entries:batch", { token: token!, body: { entries: [{ record: record() }] } });
      expectError(batch, 503, "STORE_UNAVAILABLE");
      await assertNotStored(file, org1, recordHash(r));
    });
  });

  it("error: a full store (quota reached: disk full) answers 503 and nothing is stored; the service goes on", async () => {
    const file = join(work, "full.db");
    const [token] = await preparedStore(file, [org1]);
    await serving(baseConfig({ store: file, sqlite: { maxSizeBytes: (await stat(file)).size + 64 * 1024 } }), async (service) => {
      const big = createRecord({
        subject: { name: "acme/huge-card", version: "1", digest: { sha256: sha() }, artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 } },
        fields: { card: "x".repeat(200 * 1024) },
      });
      const answer = await call(service.url, "POST", "/v1/entries", { token: token!, body: { record: big } });
      expectError(answer, 503, "STORE_UNAVAILABLE");
      assert.match(answer.body.error.message, /nothing was acknowledged/);
      assert.equal((await call(service.url, "GET", "/healthz")).status, 200);
      await assertNotStored(file, org1, recordHash(big));
    });
  });

  it("behavior: close() answers the requests in flight and commits them before stopping; later requests are refused", async () => {
    const file = join(work, "drain.db");
    const [token] = await preparedStore(file, [org1]);
    const store = await openSqliteServiceStore(file);
    // A slow disk: the first commit takes 200 ms, so requests are in flight when shutdown starts.
    let firstCommit!: () => void;
    const committing = new Promise<void>((resolve) => (firstCommit = resolve));
    const slow = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "addEntries")
          return async (entries: readonly NewEntry[]): Promise<AddEntryResult[]> => {
            firstCommit();
            await sleep(200);
            return target.addEntries(entries);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const service = await startService(baseConfig({ store: slow, intervalMs: 60_000 }));
    const records = Array.from({ length: 40 }, () => record("acme/drain"));
    const answers = records.map((r) =>
      call(service.url, "POST", "/v1/entries", { token: token!, body: { record: r } }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
    );
    await committing;
    await service.close();
    const settled = await Promise.all(answers);
    let acknowledged = 0;
    for (const [i, a] of settled.entries()) {
      if (a instanceof Error) continue; // refused at the door: never acknowledged
      if (a.status === 201) {
        acknowledged++;
        assert.ok(await store.getEntry(org1, recordHash(records[i]!)), "every 201 is stored");
      } else expectError(a, 503, "SHUTTING_DOWN");
    }
    await store.close();
    assert.ok(acknowledged > 0, "requests already in flight were answered");
    await assert.rejects(fetch(`${service.url}/healthz`), "no longer listening");
  });

  it("behavior: `provenance serve` (the CLI) serves from flags and environment, and SIGTERM shuts it down cleanly", async () => {
    const file = join(work, "cli.db");
    const created = await cli(["token", "create", "--org", String(org3), "--name", "cli", "--json"], { PROVENANCE_STORE: file }).done;
    assert.equal(created.code, 0, created.stderr);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const env = serveEnv({ PROVENANCE_RPC_URL: rpcWithCredentials, PROVENANCE_STORE: file });
    const serve = cli(["serve", "--listen", "127.0.0.1:0", "--interval", "100ms", "--batch-size", "50", "--max-body", "64KiB", "--log-level", "debug"], env);
    let url: string | undefined;
    const deadline = Date.now() + 60_000;
    let output = "";
    serve.child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    while (!url && Date.now() < deadline) {
      url = /listening on (http:\/\/[\d.:]+)/.exec(output)?.[1];
      await sleep(50);
    }
    assert.ok(url, "serve printed its URL");
    const r = record("acme/cli");
    const posted = await call(url, "POST", "/v1/entries", { token, body: { record: r } });
    assert.equal(posted.status, 201, posted.text);
    expectError(
      await call(url, "POST", "/v1/entries", { token, raw: JSON.stringify({ record: { ...r, fields: { x: "y".repeat(70 * 1024) } } }) }),
      413,
      "BODY_TOO_LARGE",
    );
    await waitForStatus(url, token, posted.body.id, (s) => s === "confirmed");
    serve.child.kill("SIGTERM");
    const exit = await serve.done;
    assert.equal(exit.code, 0, exit.stderr);
    const lines = exit.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string });
    assert.ok(
      lines.some((l) => l.msg === "service stopped"),
      "logged its shutdown",
    );
    for (const secret of [token, SECOND_KEY.slice(2), ...RPC_SECRETS])
      assert.ok(!exit.stderr.includes(secret) && !exit.stdout.includes(secret), `the output contains ${secret.slice(0, 12)}…`);
    const store = await openSqliteServiceStore(file);
    assert.equal((await store.getEntry(org3, recordHash(r)))?.status, "confirmed");
    await store.close();
  });

  it("behavior: `provenance serve` warns when its store holds no API token for a served organisation (README's token create + serve use one store)", async () => {
    const env = serveEnv();
    const serveAndStop = async (file: string): Promise<string> => {
      const serve = cli(["serve", "--store", file, "--listen", "127.0.0.1:0", "--interval", "1s"], env);
      let output = "";
      serve.child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      for (const deadline = Date.now() + 60_000; !/listening on/.test(output) && Date.now() < deadline; ) await sleep(50);
      serve.child.kill("SIGTERM");
      const exit = await serve.done;
      assert.equal(exit.code, 0, exit.stderr);
      return exit.stderr;
    };
    const empty = await serveAndStop(join(work, "tokenless.db"));
    const warning = empty
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; msg: string; orgIds?: number[] })
      .find((l) => l.level === "warn" && /no API token/.test(l.msg));
    assert.ok(warning, `serve warned about the empty store:\n${empty}`);
    assert.deepEqual(warning.orgIds, [org3]);
    // The README's two commands, with the same --store: no warning.
    const file = join(work, "readme-service.db");
    const created = await cli(["token", "create", "--org", String(org3), "--name", "training-cluster", "--store", file], {}).done;
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(await serveAndStop(file), /no API token/);
  });

  it("error: `provenance serve` on a port already in use says so in one line (exit 2), no stack trace", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as { port: number };
    try {
      const env = serveEnv({ PROVENANCE_STORE: join(work, "busy.db") });
      const run = await cli(["serve", "--listen", `127.0.0.1:${port}`], env).done;
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`, "m"));
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it("error: `provenance serve` without its settings says which is missing (exit 2)", async () => {
    const run = await cli(["serve"], { PROVENANCE_RPC_URL: chain.rpcUrl }).done;
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing --chain-id \(or set PROVENANCE_CHAIN_ID\)/);
  });
});

describe("several instances on one PostgreSQL store", () => {
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await startPostgresCluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  const leaderOf = async (service: RunningService): Promise<boolean | null> =>
    (await call(service.url, "GET", "/readyz")).body?.checks?.anchorer?.leader ?? null;

  it("behavior: every instance ingests, the lease holder anchors, and another takes over when it stops", async () => {
    const url = cluster.connectionString;
    const setup = await openServiceStore(url);
    const token = generateApiToken();
    await setup.createToken({ orgId: org1, name: "shared", tokenHash: hashApiToken(token) });
    await setup.close();
    // A lease far longer than the test. With 1 s, b could take it before "one anchorer" is checked:
    // on a loaded core a's renewals (one per pass) came up to 3.4 s apart. The takeover below then
    // comes only from a's release at close(), never from the lease running out.
    const shared = { store: url, leaseTtlMs: 600_000, intervalMs: 100 } as const;
    const a = await startService(baseConfig({ ...shared, instanceId: "instance-a" }));
    let b: RunningService | undefined;
    try {
      for (const deadline = Date.now() + 20_000; (await leaderOf(a)) !== true && Date.now() < deadline; ) await sleep(50);
      b = await startService(baseConfig({ ...shared, instanceId: "instance-b" }));
      for (const deadline = Date.now() + 20_000; (await leaderOf(b)) === null && Date.now() < deadline; ) await sleep(50);
      assert.deepEqual([await leaderOf(a), await leaderOf(b)], [true, false], "one anchorer");
      const ready = await call(b.url, "GET", "/readyz");
      assert.equal(ready.status, 200, `a standby instance is ready: ${ready.text}`);
      // Submitted to the standby, anchored by the leader, visible through both.
      const first = await call(b.url, "POST", "/v1/entries", { token, body: { record: record("acme/shared") } });
      assert.equal(first.status, 201, first.text);
      await waitForStatus(b.url, token, first.body.id, (s) => s === "confirmed");
      assert.equal((await call(a.url, "GET", `/v1/entries/${first.body.id}`, { token })).body.status, "confirmed");
      const receipt = parseReceipt((await call(a.url, "GET", `/v1/entries/${first.body.id}/receipt`, { token })).text);
      await verifyReceipt({ receipt, chain: reader, chainId: CHAIN_ID, registry });
      // The leader stops (releasing the lease): the other instance anchors from now on.
      await a.close();
      const second = await call(b.url, "POST", "/v1/entries", { token, body: { record: record("acme/shared") } });
      assert.equal(second.status, 201, second.text);
      await waitForStatus(b.url, token, second.body.id, (s) => s === "confirmed");
      assert.equal(await leaderOf(b), true);
    } finally {
      await a.close();
      await b?.close();
    }
  });
});

describe("service parts", () => {
  it("default: the logger writes JSON lines and redacts credentials in URLs, bearer tokens, API tokens and private keys", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (l) => void lines.push(l), now: () => new Date("2026-11-24T13:45:00.000Z") });
    const token = generateApiToken();
    log.debug("not written");
    log.info(`calling http://u:pw-secret@node.example:8545/v3/0123456789abcdef0123456789abcdef with ${token}`, {
      rpc: "https://mainnet.example/v3/0123456789abcdef0123456789abcdef?key=q-secret",
      store: "postgres://svc:pg-secret@db.example:5432/provenance",
      headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" },
      privateKey: DEV_PRIVATE_KEY,
      nested: { signingKey: `key ${DEV_PRIVATE_KEY.slice(2).toUpperCase().padStart(66, "0x")}`, apiToken: "anything", password: "hunter2", tokenId: 7 },
      message: `Authorization: Bearer ${token}`,
      entryHash: `0x${"ab".repeat(32)}`,
      error: new Error(`request to http://u:err-secret@node.example failed`),
    });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.ok(line.endsWith("\n"));
    const parsed = JSON.parse(line);
    assert.deepEqual([parsed.level, parsed.time], ["info", "2026-11-24T13:45:00.000Z"]);
    for (const secret of [
      "pw-secret",
      "q-secret",
      "pg-secret",
      "err-secret",
      "0123456789abcdef0123456789abcdef",
      token,
      DEV_PRIVATE_KEY.slice(2),
      DEV_PRIVATE_KEY.slice(2).toUpperCase(),
      "hunter2",
      "anything",
    ])
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    assert.equal(parsed.entryHash, `0x${"ab".repeat(32)}`, "hashes under other names are kept");
    assert.equal(parsed.nested.tokenId, 7, "numbers are never secrets");
    assert.equal(parsed.headers["content-type"], "application/json");
    assert.match(parsed.store, /^postgres:\/\/\*\*\*@db\.example:5432\/provenance$/);
    assert.equal(redactLogValue("see https://node.example/rpc"), "see https://node.example/rpc");
  });

  it("default: metrics render counters, gauges and cumulative histograms in Prometheus text format", () => {
    const metrics = createServiceMetrics();
    metrics.observeHttp("/v1/entries", 201, 0.003);
    metrics.observeHttp("/v1/entries", 201, 0.2);
    metrics.observeIngested(1, "created", 3);
    metrics.anchorerEvents.onBatchAnchored({ orgId: 1, batchId: 1, leafCount: 3, blockNumber: 9, gasUsed: 2n ** 60n, latencySeconds: 4 });
    metrics.anchorerEvents.onBatchConfirmed({ orgId: 1, batchId: 1, leafCount: 3, delaysSeconds: [5, 6, 700] });
    metrics.anchorerEvents.onRpcError("sendRawTransaction", new Error("x"));
    metrics.anchorerEvents.onReorg({ orgId: 1, batchId: 1, blockNumber: 9 });
    const text = metrics.render({
      pending: [{ orgId: 1, pending: 4, oldestReceivedAt: "2026-11-24T13:44:50.000Z" }],
      orgIds: [1, 2],
      now: new Date("2026-11-24T13:45:00.000Z"),
    });
    assert.ok(text.endsWith("\n"));
    for (const expected of [
      'provenance_pending_entries{org="1"} 4',
      'provenance_pending_entries{org="2"} 0',
      'provenance_oldest_pending_age_seconds{org="1"} 10',
      'provenance_entries_ingested_total{org="1",status="created"} 3',
      'provenance_batches_anchored_total{org="1"} 1',
      `provenance_gas_used_total ${2n ** 60n}`,
      'provenance_rpc_errors_total{operation="sendRawTransaction"} 1',
      "provenance_reorgs_total 1",
      'provenance_http_requests_total{route="/v1/entries",code="201"} 2',
      'provenance_http_request_duration_seconds_bucket{route="/v1/entries",le="0.005"} 1',
      'provenance_http_request_duration_seconds_bucket{route="/v1/entries",le="0.25"} 2',
      'provenance_http_request_duration_seconds_bucket{route="/v1/entries",le="+Inf"} 2',
      'provenance_http_request_duration_seconds_count{route="/v1/entries"} 2',
      'provenance_accept_to_confirm_seconds_bucket{le="600"} 2',
      'provenance_accept_to_confirm_seconds_bucket{le="+Inf"} 3',
      "provenance_accept_to_confirm_seconds_sum 711",
      'provenance_anchor_latency_seconds_bucket{le="5"} 1',
    ])
      assert.ok(text.split("\n").includes(expected), `missing: ${expected}\n${text}`);
    // A store that does not answer: the gauges go, provenance_store_up says so.
    assert.match(metrics.render({ pending: null, orgIds: [1], now: new Date() }), /^provenance_store_up 0$/m);
    // Label values are escaped.
    metrics.anchorerEvents.onRpcError('a"b\\c\nd', null);
    assert.ok(metrics.render({ pending: [], orgIds: [], now: new Date() }).includes('provenance_rpc_errors_total{operation="a\\"b\\\\c\\nd"} 1'));
  });

  it("behavior: the ingest queue groups concurrent requests into few commits, never splits a request, and rejects a failed commit's requests", async () => {
    const commits: number[] = [];
    let fail = false;
    const fake = {
      async addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]> {
        await sleep(3);
        if (fail) throw new StoreError("STORE_UNAVAILABLE", "disk full");
        commits.push(entries.length);
        return entries.map((e, i) => ({ status: "created" as const, id: i, entryHash: e.entryHash, receivedAt: "2026-11-24T13:45:00.000Z" }));
      },
    };
    const queue = createIngestQueue({ store: fake, maxEntries: 500 });
    const entry = (i: number): NewEntry => ({
      orgId: 1,
      kind: "record",
      entryHash: `0x${i.toString(16).padStart(64, "0")}`,
      leaf: `0x${"0".repeat(64)}`,
      subjectSha256: "0".repeat(64),
      body: "{}",
    });
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => queue.add([entry(i)])));
    assert.ok(commits.length <= 3, `300 concurrent requests took ${commits.length} commits`);
    results.forEach((r, i) => assert.equal((r[0] as { entryHash: string }).entryHash, entry(i).entryHash, "each request gets its own result"));
    commits.length = 0;
    const large = Array.from({ length: 700 }, (_, i) => entry(i));
    const [a, b] = await Promise.all([queue.add(large), queue.add([entry(9999)])]);
    assert.deepEqual([a.length, b.length], [700, 1]);
    assert.ok(commits.includes(700), `a request larger than maxEntries is committed whole: ${commits}`);
    fail = true;
    await assert.rejects(
      Promise.all([queue.add([entry(1)]), queue.add([entry(2)])]),
      (e: unknown) => e instanceof StoreError && e.code === "STORE_UNAVAILABLE",
    );
    fail = false;
    const pending = queue.add([entry(3)]);
    await queue.close();
    assert.equal((await pending).length, 1, "close() commits what was queued");
    await assert.rejects(queue.add([entry(4)]), /shutting down/);
  });

  it("default: settings parse durations, sizes, fees and listen addresses; bad ones are refused", () => {
    assert.deepEqual(
      [parseDuration("250ms", "--x"), parseDuration("2s", "--x"), parseDuration("1.5m", "--x"), parseDuration("3", "--x")],
      [250, 2000, 90_000, 3000],
    );
    assert.deepEqual([parseByteSize("1MiB", "--x"), parseByteSize("512k", "--x"), parseByteSize("4096", "--x")], [1 << 20, 512 << 10, 4096]);
    assert.deepEqual([parseGwei("50", "--x"), parseGwei("0.5", "--x")], [50_000_000_000n, 500_000_000n]);
    assert.deepEqual(
      [parseListen("0.0.0.0:80"), parseListen(":8080"), parseListen("9000"), parseListen("[::1]:8080")],
      [
        { host: "0.0.0.0", port: 80 },
        { host: "127.0.0.1", port: 8080 },
        { host: "127.0.0.1", port: 9000 },
        { host: "::1", port: 8080 },
      ],
    );
    for (const bad of [
      () => parseDuration("soon", "--interval"),
      () => parseByteSize("1GiB", "--max-body"),
      () => parseGwei("-1", "--fee-cap"),
      () => parseListen("host:99999"),
    ])
      assert.throws(bad, /must/);
  });
});
