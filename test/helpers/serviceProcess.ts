// `provenance serve` as a child process (the built CLI: bin/provenance.js needs dist/, which
// `npm test` builds), for tests and benchmarks that kill, restart or throttle the real service.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../bin/provenance.js", import.meta.url));

/** One JSON log line of the service (stderr), with when this process read it. */
export type ServiceLogLine = { readonly level: string; readonly msg: string; readonly readAt: number } & Record<string, unknown>;

export type ServiceProcess = {
  readonly child: ChildProcess;
  readonly pid: number;
  /** When the process was spawned (performance.now()). */
  readonly spawnedAt: number;
  /**
   * Resolves with the API's URL once the service printed that it listens (it has checked the
   * node, the store and the organisations by then); rejects if it exits first.
   */
  readonly listening: Promise<string>;
  /** Milliseconds from spawn to "listening", once known. */
  readonly startMs: number | undefined;
  /** Every JSON log line so far (stderr), oldest first. */
  readonly logs: readonly ServiceLogLine[];
  /** Everything written to stderr that was not a JSON log line. */
  readonly otherOutput: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export type SpawnServiceParameters = {
  /** `serve` flags (`--listen`, `--interval`, …). */
  readonly args: readonly string[];
  /** PROVENANCE_* settings (passed in the environment, so the private key is not on the command line). */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory (default: the current one). */
  readonly cwd?: string | undefined;
  /** More `node` flags (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[] | undefined;
};

/**
 * Spawns `node bin/provenance.js serve …` with only PATH, HOME and `env` in its environment.
 *
 * @example
 * import { spawnService } from "./serviceProcess.js";
 * const service = spawnService({ args: ["--listen", "127.0.0.1:0"], env: { PROVENANCE_RPC_URL: rpcUrl, … } });
 * const url = await service.listening;
 * await service.stop("SIGKILL");
 */
export function spawnService(parameters: SpawnServiceParameters): ServiceProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(parameters.nodeArgs ?? []), CLI, "serve", ...parameters.args], {
    cwd: parameters.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...parameters.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killNow = (): void => void child.kill("SIGKILL");
  process.once("exit", killNow);
  const logs: ServiceLogLine[] = [];
  let otherOutput = "";
  let stdout = "";
  let startMs: number | undefined;
  let stderrRest = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    const lines = (stderrRest + chunk).split("\n");
    stderrRest = lines.pop()!;
    const readAt = performance.now();
    for (const line of lines) {
      if (line.startsWith("{")) {
        try {
          logs.push({ ...(JSON.parse(line) as { level: string; msg: string }), readAt });
          continue;
        } catch {
          // not a log line after all
        }
      }
      if (line !== "") otherOutput += `${line}\n`;
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      process.removeListener("exit", killNow);
      resolve({ code, signal });
    }),
  );
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      stdout += chunk;
      const url = /listening on (http:\/\/[^\s)]+)/.exec(stdout)?.[1];
      if (url !== undefined && startMs === undefined) {
        startMs = performance.now() - spawnedAt;
        resolve(url);
      }
    });
    void exited.then(({ code, signal }) =>
      reject(
        new Error(`provenance serve exited (code ${code}, signal ${signal}) before listening: ${otherOutput}${logs.map((l) => JSON.stringify(l)).join("\n")}`),
      ),
    );
  });
  listening.catch(() => {}); // the caller awaits it; an unawaited early exit is not an unhandled rejection
  return {
    child,
    pid: child.pid!,
    spawnedAt,
    listening,
    get startMs() {
      return startMs;
    },
    logs,
    get otherOutput() {
      return otherOutput;
    },
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
