import { SPDX } from "@cyclonedx/cyclonedx-library";
import { isSpdxExpression } from "../../core/spec/spdxExpression.js";

/**
 * Whether `text` is an SPDX licence expression (SPDX 2.3 Annex D, see {@link isSpdxExpression}) whose
 * licence ids are all ones CycloneDX knows (or `LicenseRef-…` references). A single id is an
 * expression too. Used to choose between a CycloneDX `expression`, an `id` and a free-form licence
 * `name`: operators are upper case (Annex D.2), so "MIT or Apache-2.0" is kept as a name.
 *
 * @example
 * import { isSpdxLicenseExpression } from "provenance-ledger";
 * isSpdxLicenseExpression("MIT OR Apache-2.0"); // true
 * isSpdxLicenseExpression("BSD License"); // false
 */
export function isSpdxLicenseExpression(text: string): boolean {
  return text.length <= 4096 && isSpdxExpression(text, { isLicenseId: (id) => SPDX.isSupportedSpdxId(id) });
}

/**
 * Whether `text` is one licence id of the SPDX list (as CycloneDX 1.6 ships it), exactly.
 *
 * @example
 * import { isSpdxLicenseId } from "provenance-ledger";
 * isSpdxLicenseId("Apache-2.0"); // true
 * isSpdxLicenseId("Apache 2.0"); // false
 */
export function isSpdxLicenseId(text: string): boolean {
  return SPDX.isSupportedSpdxId(text);
}
