import type { HashProgress } from "../../formats/model/modelManifest.js";

/** The part of a `tty.WriteStream` the progress bar uses. */
export type ProgressStream = {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(chunk: string): unknown;
};

export type CreateTtyProgressParameters = {
  /** Minimum milliseconds between redraws (default 100: at most 10 per second). */
  intervalMs?: number;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
};

export type TtyProgress = {
  /** Pass as `hashModel`'s `onProgress`. */
  onProgress: (progress: HashProgress) => void;
  /** Clears the progress line (if one was drawn). Call once hashing ends, also on error. */
  finish: () => void;
};

const CLEAR_LINE = "\r\x1b[K";
const BAR_WIDTH = 16;

/**
 * A one-line progress bar for `hashModel`: bar, percentage, bytes, MiB/s and the current file,
 * redrawn in place at most every `intervalMs` (10 times a second by default) and cleared by
 * `finish()`. Draws only when `stream.isTTY`; on a pipe or file it writes nothing, so logs and
 * JSON output stay clean.
 *
 * @example
 * import { createTtyProgress, hashModel } from "provenance-ledger";
 * const progress = createTtyProgress(process.stderr);
 * try {
 *   await hashModel("./model", { onProgress: progress.onProgress });
 * } finally {
 *   progress.finish();
 * }
 */
export function createTtyProgress(stream: ProgressStream = process.stderr, parameters: CreateTtyProgressParameters = {}): TtyProgress {
  const intervalMs = parameters.intervalMs ?? 100;
  const now = parameters.now ?? (() => performance.now());
  if (!stream.isTTY) return { onProgress: () => undefined, finish: () => undefined };

  let startedAt: number | undefined;
  let lastDrawAt = -Infinity;
  let drawn = false;
  return {
    onProgress(progress) {
      const t = now();
      startedAt ??= t;
      if (t - lastDrawAt < intervalMs) return;
      lastDrawAt = t;
      drawn = true;
      stream.write(CLEAR_LINE + formatProgressLine(progress, (t - startedAt) / 1000, (stream.columns || 80) - 1));
    },
    finish() {
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
    },
  };
}

/**
 * One progress line, at most `width` characters (code points), control characters of the file
 * name replaced by `?`.
 *
 * @example
 * import { formatProgressLine } from "provenance-ledger";
 * formatProgressLine({ bytesHashed: 3 * 2 ** 30, totalBytes: 4 * 2 ** 30, file: "a.bin" }, 2, 79);
 * // "[############----]  75.0% 3.0/4.0 GiB 1536.0 MiB/s a.bin"
 */
export function formatProgressLine(progress: HashProgress, elapsedSeconds: number, width: number): string {
  const { bytesHashed, totalBytes, file } = progress;
  const fraction = totalBytes > 0 ? Math.min(1, bytesHashed / totalBytes) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = elapsedSeconds > 0 ? bytesHashed / elapsedSeconds / 2 ** 20 : 0;
  const head =
    `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%` +
    ` ${formatBytes(bytesHashed, totalBytes)} ${rate.toFixed(1)} MiB/s`;
  if (file === undefined) return truncateEnd(head, width);
  const room = width - [...head].length - 1;
  // A file name is attacker-chosen: never send its control characters (escape sequences), bidi
  // overrides or invisible format characters to a terminal.
  const printable = file.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "?");
  return room < 4 ? truncateEnd(head, width) : `${head} ${truncateStart(printable, room)}`;
}

/** `done/total unit`, in the unit that suits `total`. */
function formatBytes(done: number, total: number): string {
  if (total < 1024) return `${done}/${total} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"] as const;
  let unit = 0;
  while (total >= 1024 ** (unit + 2) && unit < units.length - 1) unit++;
  const scale = 1024 ** (unit + 1);
  return `${(done / scale).toFixed(1)}/${(total / scale).toFixed(1)} ${units[unit]}`;
}

function truncateEnd(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width)).join("");
}

/** Keeps the end of a path (the file name is the informative part). */
function truncateStart(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `…${chars.slice(chars.length - width + 1).join("")}`;
}
