import { execFile } from "node:child_process";
import type { EnvironmentProbe } from "../../formats/predicates/environment.js";
import { MAX_MACHINE_LONG_TEXT } from "../../formats/predicates/environmentLimits.js";
import { cleanText } from "./cleanText.js";
import { findExecutable } from "./findExecutable.js";
import { redactHome, redactHomeInText } from "./redactHome.js";

export type RunProbeParameters = {
  /** The probe's id in the predicate (`nvidia-smi`). */
  readonly name: string;
  /** The program, looked up on `env.PATH`. */
  readonly command: string;
  readonly args: readonly string[];
  /** The environment the program runs with (and whose PATH is searched); `LC_ALL=C` is added. */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** The home directory, shown as `~` in recorded paths and messages. */
  readonly home: string;
  /** Largest stdout or stderr accepted, in bytes (default 16 MiB). */
  readonly maxBuffer?: number | undefined;
};

/** A probe's record and, when it ran to exit code 0, what it printed. */
export type RunProbeReturnType = { readonly probe: EnvironmentProbe; readonly stdout: string; readonly stderr: string };

/**
 * Runs one program without a shell (`execFile`), with a timeout (then SIGKILL) and a bounded
 * output, and records the outcome instead of throwing: `absent` when the program is not on PATH,
 * `error` for a non-zero exit, a signal, a timeout or too much output, else `ok`. The program's
 * own error line (stderr, else stdout: nvidia-smi reports there) goes into `detail`.
 *
 * @example
 * import { homedir } from "node:os";
 * import { runProbe } from "./runProbe.js";
 * const { probe, stdout } = await runProbe({ name: "gcc", command: "gcc", args: ["-dumpfullversion"], env: process.env, timeoutMs: 10_000, home: homedir() });
 */
export async function runProbe(parameters: RunProbeParameters): Promise<RunProbeReturnType> {
  const { name, command, args, env, timeoutMs, home } = parameters;
  const base = { name, command: [command, ...args] };
  const executable = await findExecutable(command, { path: env.PATH, pathExt: env.PATHEXT });
  if (executable === undefined) return { probe: { ...base, executable: null, status: "absent", detail: `${command} is not on PATH` }, stdout: "", stderr: "" };
  const shown = cleanText(redactHome(executable, home), MAX_MACHINE_LONG_TEXT);
  return new Promise((resolve) => {
    execFile(
      executable,
      args,
      {
        env: { ...env, LC_ALL: "C" },
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: parameters.maxBuffer ?? 16 * 1024 * 1024,
        windowsHide: true,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ probe: { ...base, executable: shown, status: "ok", detail: null }, stdout, stderr });
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null };
        let reason: string;
        if (failure.code === "ENOENT") reason = `${command} disappeared before it could run`;
        else if (failure.killed && failure.signal === "SIGKILL") reason = `timed out after ${timeoutMs} ms`;
        else if (failure.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") reason = "printed more output than accepted";
        else if (typeof failure.code === "number") reason = `exit code ${failure.code}`;
        else if (failure.signal) reason = `killed by ${failure.signal}`;
        else reason = failure.code ?? failure.message;
        const said = firstLine(stderr) || firstLine(stdout);
        const detail = said ? `${reason}: ${said}` : reason;
        resolve({ probe: { ...base, executable: shown, status: "error", detail: cleanText(redactHomeInText(detail, home), 512) }, stdout: "", stderr: "" });
      },
    );
  });
}

/** The same probe marked as failed: it ran, but its output was not understood. */
export function probeFailed(probe: EnvironmentProbe, problem: string, home: string): EnvironmentProbe {
  return { ...probe, status: "error", detail: cleanText(redactHomeInText(`output not understood: ${problem}`, home), 512) };
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}
