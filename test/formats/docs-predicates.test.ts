import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { parsePredicate } from "../../src/formats/predicates/index.js";
import { parseJson } from "../../src/core/parseJson.js";

// docs/predicates.md's examples are meant to be pasted into `provenance attest … --predicate`:
// each one must parse under its section's predicate type, with full digests.
describe("docs/predicates.md examples", () => {
  it("default: every JSON example is complete and valid for the predicate type of its section", async () => {
    const text = await readFile(new URL("../../docs/predicates.md", import.meta.url), "utf8");
    const types = new Map([...text.matchAll(/^\| ([A-Z][a-z ]+) \| `(https:\/\/[^`]+)` \|/gm)].map((m) => [m[1]!, m[2]!]));
    assert.equal(types.size, 8, "the table names eight predicate types");
    let checked = 0;
    for (const section of text.split(/^## /m).slice(1)) {
      const heading = section.slice(0, section.indexOf("\n")).trim();
      const type = types.get(heading);
      for (const [, block] of section.matchAll(/```json\n([\s\S]*?)```/g)) {
        assert.ok(type, `a JSON example under "${heading}", which names no predicate type`);
        assert.doesNotMatch(block!, /…/, `${heading}: an abbreviated value cannot be pasted`);
        parsePredicate(type, parseJson(block!, `docs/predicates.md ${heading}`));
        checked++;
      }
    }
    assert.equal(checked, 8, "one example per predicate type");
  });
});
