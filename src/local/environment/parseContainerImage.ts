import { CONTAINER_IMAGE_ENV, CONTAINER_IMAGE_REFERENCE } from "../../formats/predicates/environment.js";
import { MAX_IMAGE_REFERENCE } from "../../formats/predicates/environmentLimits.js";
import { InputError } from "../../core/errors/input.js";

export type ContainerImage = {
  /** The reference as given: `ghcr.io/acme/trainer:1.4@sha256:…`. */
  readonly image: string;
  /** Its digest: `sha256:<64 hex>`. */
  readonly imageDigest: string;
};

export type ParseContainerImageErrorType = InputError;

/**
 * Validates a container image reference pinned by digest, as passed in
 * `PROVENANCE_CONTAINER_IMAGE`: `[registry[:port]/]path[:tag]@sha256:<64 lower-case hex>`.
 * A reference without a digest (a tag can be moved) or with another algorithm is refused
 * (`INVALID_ARGUMENT`, naming `where`).
 *
 * @example
 * import { parseContainerImage } from "provenance-ledger";
 * parseContainerImage(`ghcr.io/acme/trainer:1.4@sha256:${"ab".repeat(32)}`).imageDigest; // "sha256:abab…"
 */
export function parseContainerImage(value: string, where: string = CONTAINER_IMAGE_ENV): ContainerImage {
  const match = value.length <= MAX_IMAGE_REFERENCE ? CONTAINER_IMAGE_REFERENCE.exec(value) : null;
  if (!match)
    throw new InputError("INVALID_ARGUMENT", "must be an image reference pinned by digest, name[:tag]@sha256:<64 lower-case hex>", {
      path: where,
      metaMessages: ["e.g. ghcr.io/acme/trainer:1.4@sha256:6b1f…; get it with: docker inspect --format '{{index .RepoDigests 0}}' <image>"],
    });
  return { image: value, imageDigest: match[1]! };
}
