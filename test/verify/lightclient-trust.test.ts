import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { QBFT_TRUST_FORMAT, parseQbftTrust, serializeQbftTrust } from "../../src/verify/lightclient/trustFile.js";

const schema = JSON.parse(readFileSync(new URL("../../schemas/qbft-trust-v1.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
const vector = JSON.parse(readFileSync(new URL("../vectors/qbft-trust-v1.json", import.meta.url), "utf8")) as Record<string, unknown>;
const contractMode = {
  ...vector,
  validatorSelection: { mode: "contract", contract: "0x0000000000000000000000000000000000001111", validatorsSlot: `0x${"00".repeat(32)}` },
};

describe("light client: trust files and checkpoints", () => {
  it("default: the frozen v1 trust file (block 7528's set) loads, matches the schema, and serialises back to the same JSON", () => {
    assert.equal(validate(vector), true, JSON.stringify(validate.errors));
    const trust = parseQbftTrust(vector);
    assert.equal(trust.format, QBFT_TRUST_FORMAT);
    assert.equal(trust.validators.length, 4);
    assert.deepEqual(JSON.parse(serializeQbftTrust(trust)), vector);
    assert.equal(validate(contractMode), true, JSON.stringify(validate.errors));
    assert.equal(parseQbftTrust(contractMode).validatorSelection.mode, "contract");
  });

  const refused: [string, Record<string, unknown>, string][] = [
    ["an unknown format", { ...vector, format: "provenance-qbft-trust-v2" }, "trust.format"],
    ["an unknown member", { ...vector, note: "x" }, "trust.note"],
    ["no validators", { ...vector, validators: [] }, "trust.validators"],
    ["a malformed validator", { ...vector, validators: ["0x1234"] }, "trust.validators[0]"],
    ["a repeated validator", { ...vector, validators: [(vector.validators as string[])[0], (vector.validators as string[])[0]] }, "trust.validators[1]"],
    ["chain ID 0", { ...vector, chainId: 0 }, "trust.chainId"],
    ["a block number as a string", { ...vector, block: { number: "7528", hash: (vector.block as { hash: string }).hash } }, "trust.block.number"],
    ["a short block hash", { ...vector, block: { number: 1, hash: "0x12" } }, "trust.block.hash"],
    ["an unknown selection mode", { ...vector, validatorSelection: { mode: "clique", epochLength: 1 } }, "trust.validatorSelection.mode"],
    ["epoch length 0", { ...vector, validatorSelection: { mode: "header", epochLength: 0 } }, "trust.validatorSelection.epochLength"],
    ["votes in contract mode", { ...contractMode, votes: [{ recipient: "0x0000000000000000000000000000000000000001", add: [], drop: [] }] }, "trust.votes"],
    [
      "a vote with an unknown member",
      { ...vector, votes: [{ recipient: "0x0000000000000000000000000000000000000001", add: [], drop: [], weight: 1 }] },
      "trust.votes[0].weight",
    ],
  ];
  for (const [name, value, field] of refused) {
    it(`error: ${name} is refused by the parser (naming ${field})`, () => {
      assert.throws(
        () => parseQbftTrust(value),
        (e: unknown) => e instanceof LightClientError && e.check === "trust-file" && e.field === field,
      );
    });
  }
  it("error: the schema refuses what the parser refuses (except order and repeats, which only parsers check)", () => {
    for (const [name, value] of refused) if (name !== "votes in contract mode") assert.equal(validate(value), false, name);
  });

  it("behavior: the light client's proof core (src/verify/lightclient/, but for the reader and the kit's transports that plug it into a node) is platform-neutral: no node: imports, no Buffer, only its own files, the errors and @noble", () => {
    const dir = new URL("../../src/verify/lightclient/", import.meta.url);
    const edges = new Set(["index.ts", "lightReader.ts", "offlineKit.ts"]);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), "utf8");
      assert.doesNotMatch(source, /\bBuffer\b/, `${file} uses Buffer`);
      if (edges.has(file)) continue;
      // trustFile.ts alone may also use the spec engine (core/spec/spec.ts: pure, platform-neutral, no
      // node:), so the pinned file's parser, schema and docs table are one declaration; the engine
      // refuses with InputError, which trustFile.ts tells as LightClientError (check trust-file, refusedAs).
      const allowed =
        file === "trustFile.ts"
          ? /^(\.\/|\.\.\/\.\.\/core\/errors\/(base|lightClient)\.js$|\.\.\/\.\.\/core\/spec\/spec\.js$|@noble\/(hashes|curves)\/)/
          : /^(\.\/|\.\.\/\.\.\/core\/errors\/(base|lightClient)\.js$|@noble\/(hashes|curves)\/)/;
      for (const [, from] of source.matchAll(/^(?:import|export)\b[^;]*? from "([^"]+)";/gms)) assert.match(from!, allowed, `${file} imports ${from}`);
    }
  });
});

describe("CLI: a malformed QBFT trust file or checkpoint", () => {
  const CLI = fileURLToPath(new URL("../../bin/provenance.js", import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, ...args], { timeout: 60_000, encoding: "utf8" }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );

  it("error: the field at fault is named once in the error line (exit 2), for --qbft-trust and for --checkpoint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qbft-trust-cli-"));
    try {
      // The offline kit's vector: a bundle and the validator trust it verifies against, with no network.
      const kit = JSON.parse(readFileSync(new URL("../vectors/offline-kit-v1.json", import.meta.url), "utf8"));
      const [bundle, trust, malformed] = ["bundle.json", "trust.json", "malformed.json"].map((name) => join(dir, name)) as [string, string, string];
      await writeFile(bundle, JSON.stringify(kit.bundle));
      await writeFile(trust, JSON.stringify(kit.trust));
      await writeFile(malformed, JSON.stringify({ ...kit.trust, note: "x" }));
      const args = ["verify-bundle", bundle, "--artifact-digest", `sha256:${kit.expected.model.sha256}`, "--offline", "--registry", kit.trust.registry];

      const pinned = await run([...args, "--qbft-trust", malformed]);
      assert.equal(pinned.code, 2, pinned.stderr);
      assert.equal(pinned.stderr, `error: QBFT trust file ${malformed}.note: unknown field\n`);
      const resumed = await run([...args, "--qbft-trust", trust, "--checkpoint", malformed]);
      assert.equal(resumed.code, 2, resumed.stderr);
      assert.equal(resumed.stderr, `error: checkpoint ${malformed}.note: unknown field\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
