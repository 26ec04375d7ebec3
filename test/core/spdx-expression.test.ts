import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSpdxLicenseExpression } from "../../src/formats/sbom/spdxLicenseExpression.js";
import { isSpdxExpression, MAX_SPDX_NESTING } from "../../src/core/spec/spdxExpression.js";

// One SPDX licence-expression parser (SPDX 2.3 Annex D) for the dataset predicate (syntax only)
// and the SBOM writer (ids must be on CycloneDX's SPDX list).
/** The predicate's syntax check and the SBOM writer's check agree on `text`: both say `valid`. */
function bothParsersSay(text: string, valid: boolean): void {
  assert.equal(isSpdxExpression(text), valid, text);
  assert.equal(isSpdxLicenseExpression(text), valid, text);
}

describe("SPDX licence expressions", () => {
  it("default: ids, references, AND/OR/WITH and parentheses", () => {
    for (const text of [
      "MIT",
      "Apache-2.0 OR MIT",
      "(MIT AND BSD-3-Clause) OR Apache-2.0",
      "GPL-2.0-or-later WITH Classpath-exception-2.0",
      "GPL-2.0+",
      "LicenseRef-x",
      "DocumentRef-a:LicenseRef-b",
    ])
      bothParsersSay(text, true);
  });

  it("behavior: the SBOM writer also requires listed ids; the predicate checks syntax only", () => {
    assert.equal(isSpdxExpression("Proprietary"), true);
    assert.equal(isSpdxLicenseExpression("Proprietary"), false);
    assert.equal(isSpdxLicenseExpression("MIT OR Acme-1.0"), false);
    assert.equal(isSpdxLicenseExpression("LicenseRef-acme OR MIT"), true);
  });

  it("error: lower-case operators, WITH after a group, + after a reference, unbalanced or too deep parentheses", () => {
    for (const text of [
      "MIT or Apache-2.0",
      "MIT and Apache-2.0",
      "MIT with Classpath-exception-2.0",
      "(MIT OR Apache-2.0) WITH Classpath-exception-2.0",
      "LicenseRef-x+",
      "(MIT",
      "MIT)",
      "AND",
      "",
      "MIT  OR Apache-2.0",
    ])
      bothParsersSay(text, false);
    const nested = (depth: number) => `${"(".repeat(depth)}MIT${")".repeat(depth)}`;
    assert.equal(isSpdxExpression(nested(MAX_SPDX_NESTING)), true);
    assert.equal(isSpdxExpression(nested(MAX_SPDX_NESTING + 1)), false);
  });
});
