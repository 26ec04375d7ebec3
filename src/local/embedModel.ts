// The weight watermark on model files (the I/O edge): a safetensors file or sharded directory is
// streamed tensor by tensor, twice to embed (statistics, then the rewrite), once to detect.
// Memory stays flat except in non-blind mode, which holds one tensor and its original at a time.

import { WatermarkError } from "../core/errors/watermark.js";
import { type FloatDtype, decodeFloats, encodeFloats } from "../formats/safetensors/dtype.js";
import type { TensorInfo } from "../formats/safetensors/header.js";
import {
  type SafetensorsModel,
  TENSOR_CHUNK_BYTES,
  openSafetensorsFile,
  openSafetensorsModel,
  readTensorBytes,
  rewriteSafetensorsModel,
  streamTensor,
} from "./safetensorsFile.js";
import { alignToOriginal } from "../formats/watermark/alignNeurons.js";
import { noCapacity } from "../formats/watermark/markTensors.js";
import { type WatermarkKey, keyCommitment } from "../formats/watermark/watermarkKey.js";
import {
  type ModelWatermarkPredicate,
  WATERMARK_SCHEMES,
  WEIGHTS_PAYLOAD_DERIVATION,
  createModelWatermarkPredicate,
} from "../formats/predicates/modelWatermark.js";
import { hashModel } from "./hashing/hashModel.js";
import {
  DEFAULT_STRENGTH,
  DETECTION_THRESHOLD,
  HostStatistics,
  MIN_POSITIONS,
  type TensorPlan,
  TensorEmbedder,
  WeightDetector,
  type WeightDetection,
  coversTensor,
  planTensor,
  watermarkPayload,
} from "../formats/watermark/weightWatermark.js";

/** A tensor the watermark covers, as recorded in the model-watermark predicate. */
export type CoveredTensor = { readonly name: string; readonly dtype: FloatDtype; readonly shape: readonly number[]; readonly positions: number };

export type EmbedModelWatermarkParameters = {
  /** The unmarked model: a `.safetensors` file or a directory of shards. */
  readonly model: string;
  /** Where the marked model goes (a file, or a directory for a directory). */
  readonly output: string;
  readonly key: WatermarkKey;
  /** 16 hex digits: {@link watermarkPayload} of the unmarked model's digest and the key commitment. */
  readonly payload: string;
  readonly strength: number;
};

export type EmbedModelWatermarkReturnType = { readonly positions: number; readonly tensors: readonly CoveredTensor[] };

function weightsKey(key: WatermarkKey): { secret: Uint8Array; spacing: number } {
  if (key.kind !== "weights")
    throw new WatermarkError(
      "WRONG_KEY_KIND",
      `this is a ${key.kind} watermark key; a model's weights need a "weights" key (provenance watermark keygen --kind weights)`,
    );
  return { secret: key.secret, spacing: key.parameters.spacing };
}

type Covered = { shard: SafetensorsModel["shards"][number]; tensor: TensorInfo & { dtype: FloatDtype } };

function coveredTensors(model: SafetensorsModel): Covered[] {
  const out: Covered[] = [];
  for (const shard of model.shards)
    for (const tensor of shard.header.tensors) if (coversTensor(tensor)) out.push({ shard, tensor: tensor as TensorInfo & { dtype: FloatDtype } });
  return out;
}

async function streamValues(path: string, tensor: TensorInfo & { dtype: FloatDtype }, onValues: (values: Float32Array, first: number) => void): Promise<void> {
  const fh = await openSafetensorsFile(path);
  try {
    const scratch = new Float32Array(TENSOR_CHUNK_BYTES / 2);
    await streamTensor(fh, tensor, (chunk, first) => onValues(decodeFloats(chunk, tensor.dtype, scratch), first));
  } finally {
    await fh.close();
  }
}

/**
 * Embeds the watermark into every covered tensor of a safetensors model and writes the marked
 * copy (same dtypes, shapes, header bytes). `NO_CAPACITY` if the covered tensors carry fewer than
 * MIN_POSITIONS elements; `WRONG_KEY_KIND` for a text key.
 *
 * @example
 * import { embedModelWatermark, watermarkPayload, keyCommitment, hashModel } from "provenance-ledger";
 * const payload = watermarkPayload((await hashModel("model.safetensors")).sha256, keyCommitment(key));
 * await embedModelWatermark({ model: "model.safetensors", output: "marked.safetensors", key, payload, strength: 0.04 });
 */
export async function embedModelWatermark(parameters: EmbedModelWatermarkParameters): Promise<EmbedModelWatermarkReturnType> {
  const { secret, spacing } = weightsKey(parameters.key);
  const model = await openSafetensorsModel(parameters.model);
  const covered = coveredTensors(model);
  const plans = new Map<string, TensorPlan>();
  const tensors: CoveredTensor[] = [];
  let positions = 0;
  for (const { shard, tensor } of covered) {
    const stats = new HostStatistics(secret, tensor.name, spacing);
    await streamValues(shard.path, tensor, (values, first) => stats.update(values, first));
    if (plans.has(tensor.name)) throw new WatermarkError("MODEL_MISMATCH", `tensor ${JSON.stringify(tensor.name)} appears in two shards`);
    plans.set(tensor.name, planTensor(stats, parameters.strength));
    const n = stats.positions();
    positions += n;
    tensors.push({ name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, positions: n });
  }
  if (positions < MIN_POSITIONS) throw noCapacity(positions);
  const embedders = new Map<string, TensorEmbedder>();
  const scratch = new Float32Array(TENSOR_CHUNK_BYTES / 2);
  await rewriteSafetensorsModel(model, parameters.output, (tensor, chunk, first) => {
    const plan = coversTensor(tensor) ? plans.get(tensor.name) : undefined;
    if (!plan) return;
    let embedder = embedders.get(tensor.name);
    if (!embedder) embedders.set(tensor.name, (embedder = new TensorEmbedder(secret, tensor.name, spacing, parameters.payload, parameters.strength, plan)));
    const dtype = tensor.dtype as FloatDtype;
    const values = decodeFloats(chunk, dtype, scratch);
    embedder.apply(values, first);
    encodeFloats(values, dtype, chunk);
  });
  return { positions, tensors };
}

export type MarkModelWeightsReturnType = EmbedModelWatermarkReturnType & {
  /** SHA-256 (model hashing) of the unmarked model, which the payload is derived from. */
  readonly unmarkedSha256: string;
  readonly keyCommitment: string;
  readonly payload: string;
  /** The model-watermark predicate to attest about the marked model (the key's commitment, never the key). */
  readonly predicate: ModelWatermarkPredicate;
};

/**
 * Marks a model's weights and says what to attest: hashes the unmarked model, derives the payload
 * from its digest and the key's commitment, embeds it into `output` ({@link embedModelWatermark})
 * and builds the model-watermark predicate (scheme, parameters, covered tensors, payload and its
 * derivation). What `provenance watermark embed` and the demo do.
 *
 * @example
 * const { predicate, payload } = await markModelWeights({ model: "./model", output: "./model-marked", key });
 */
export async function markModelWeights(parameters: {
  readonly model: string;
  readonly output: string;
  readonly key: WatermarkKey;
  readonly strength?: number | undefined;
}): Promise<MarkModelWeightsReturnType> {
  const { model, output, key } = parameters;
  const strength = parameters.strength ?? DEFAULT_STRENGTH;
  const { spacing } = weightsKey(key);
  const unmarkedSha256 = (await hashModel(model)).sha256;
  const commitment = keyCommitment(key);
  const payload = watermarkPayload(unmarkedSha256, commitment);
  const { tensors, positions } = await embedModelWatermark({ model, output, key, payload, strength });
  const predicate = createModelWatermarkPredicate({
    kind: "weights",
    scheme: WATERMARK_SCHEMES.weights,
    keyCommitment: commitment,
    parameters: { strength, spacing, threshold: DETECTION_THRESHOLD },
    tensors: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], positions: t.positions })),
    unmarkedModel: { sha256: unmarkedSha256 },
    payload,
    payloadDerivation: WEIGHTS_PAYLOAD_DERIVATION,
  });
  return { tensors, positions, unmarkedSha256, keyCommitment: commitment, payload, predicate };
}

export type DetectModelWatermarkParameters = {
  /** The suspect model. */
  readonly model: string;
  readonly key: WatermarkKey;
  /** Non-blind mode: the unmarked original, to undo a permutation of neurons. */
  readonly original?: string;
  /** The payload expected (e.g. from the anchored attestation): adds payloadBitErrors and zPayload. */
  readonly expectedPayload?: string;
};

/**
 * Detects the watermark in a model. Blind by default (the key alone: streams the covered
 * tensors); with `original`, non-blind: each covered tensor of the original is matched to the
 * suspect's tensor of the same name (or else the only one of the same shape), its rows and columns
 * realigned ({@link alignToOriginal}), and the aligned tensor is read by the same detector.
 *
 * @example
 * const result = await detectModelWatermark({ model: "leaked.safetensors", key });
 * if (result.detected) console.log(result.z, result.payload);
 */
export async function detectModelWatermark(parameters: DetectModelWatermarkParameters): Promise<WeightDetection & { mode: "blind" | "non-blind" }> {
  const { secret, spacing } = weightsKey(parameters.key);
  const suspect = await openSafetensorsModel(parameters.model);
  const detector = new WeightDetector(secret, spacing);
  if (parameters.original === undefined) {
    for (const { shard, tensor } of coveredTensors(suspect)) {
      detector.beginTensor(tensor.name);
      await streamValues(shard.path, tensor, (values, first) => detector.update(values, first));
      detector.endTensor();
    }
    return { ...detector.result(parameters.expectedPayload), mode: "blind" };
  }
  const original = await openSafetensorsModel(parameters.original);
  const suspectTensors = suspect.shards.flatMap((shard) => shard.header.tensors.map((tensor) => ({ shard, tensor })));
  for (const { shard, tensor } of coveredTensors(original)) {
    const sameShape = (t: TensorInfo) => t.shape.length === tensor.shape.length && t.shape.every((d, i) => d === tensor.shape[i]);
    const named = suspectTensors.find((s) => s.tensor.name === tensor.name && sameShape(s.tensor));
    const shaped = suspectTensors.filter((s) => sameShape(s.tensor));
    const match = named ?? (shaped.length === 1 ? shaped[0] : undefined);
    if (!match)
      throw new WatermarkError(
        "MODEL_MISMATCH",
        `the suspect model has no tensor matching the original's ${JSON.stringify(tensor.name)} [${tensor.shape.join(", ")}]`,
      );
    if (!coversTensor(match.tensor))
      throw new WatermarkError("MODEL_MISMATCH", `the suspect's ${JSON.stringify(match.tensor.name)} is ${match.tensor.dtype}, not a float tensor`);
    const a = await readValues(shard.path, tensor);
    const b = await readValues(match.shard.path, match.tensor as TensorInfo & { dtype: FloatDtype });
    const rows = tensor.shape[0]!;
    const { aligned } = alignToOriginal(a, b, rows, tensor.elements / rows);
    detector.beginTensor(tensor.name);
    detector.update(aligned, 0);
    detector.endTensor();
  }
  return { ...detector.result(parameters.expectedPayload), mode: "non-blind" };
}

async function readValues(path: string, tensor: TensorInfo & { dtype: FloatDtype }): Promise<Float32Array> {
  const fh = await openSafetensorsFile(path);
  try {
    return decodeFloats(await readTensorBytes(fh, tensor), tensor.dtype);
  } finally {
    await fh.close();
  }
}
