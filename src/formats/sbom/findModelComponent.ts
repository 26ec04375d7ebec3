import { type InputErrorCode, invalid } from "../../core/errors/input.js";
import type { CycloneDxBom, CycloneDxComponent } from "./cycloneDxBom.js";

export type FindModelComponentParameters = {
  /** Path of the BOM in error messages. */
  path?: string;
  code?: InputErrorCode;
};

export type FindModelComponentReturnType = {
  readonly component: CycloneDxComponent;
  /** Where it is, e.g. `predicate.metadata.component`. */
  readonly path: string;
};

/**
 * The model an ML-BOM is about: `metadata.component` when it is a `machine-learning-model`
 * (that is where {@link createModelBom} puts it), otherwise the only `machine-learning-model`
 * among the top-level components. None, or several with nothing to choose between them, is an
 * error: a BOM whose subject is ambiguous cannot be bound to one model digest. Models nested in
 * `pedigree.ancestors` (base models) never count.
 *
 * @example
 * import { findModelComponent } from "provenance-ledger";
 * const { component } = findModelComponent(bom);
 */
export function findModelComponent(bom: CycloneDxBom, parameters: FindModelComponentParameters = {}): FindModelComponentReturnType {
  const { path = "$", code = "INVALID_SBOM" } = parameters;
  const described = bom.metadata?.component;
  if (described?.type === "machine-learning-model") return { component: described, path: `${path}.metadata.component` };
  const models = (bom.components ?? []).flatMap((component, i) =>
    component.type === "machine-learning-model" ? [{ component, path: `${path}.components[${i}]` }] : [],
  );
  const [only] = models;
  if (only === undefined) invalid(code, "no machine-learning-model component: an ML-BOM describes a model", `${path}.components`);
  if (models.length > 1)
    invalid(
      code,
      `${models.length} machine-learning-model components and metadata.component names none of them: which one is the subject is ambiguous`,
      `${path}.metadata.component`,
    );
  return only;
}
