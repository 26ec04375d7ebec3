// The one free-port / wait-for-node helper for tests, benchmarks and harnesses (not a test: the
// Hardhat runner imports every .ts under test/, so this module does nothing on import).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const HARDHAT_BIN = fileURLToPath(new URL("../../node_modules/.bin/hardhat", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it for a listener we closed).
 *
 * @example
 * import { freePort } from "./helpers/localNode.js";
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * One JSON-RPC call to the node at `url`; an error answer throws with the method named.
 *
 * @example
 * await rpcCall(node.rpcUrl, "evm_setAutomine", [false]);
 */
export async function rpcCall(url: string, method: string, params: readonly unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export type WaitForRpcParameters = {
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number | undefined;
  /** Between attempts (default 200 ms). */
  readonly intervalMs?: number | undefined;
  /** Named in the timeout error (default "JSON-RPC node"). */
  readonly what?: string | undefined;
};

/** Waits until the JSON-RPC endpoint at `url` answers `eth_chainId`; throws after `timeoutMs`. */
export async function waitForRpc(url: string, parameters: WaitForRpcParameters = {}): Promise<void> {
  const deadline = Date.now() + (parameters.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${parameters.what ?? "JSON-RPC node"} did not answer at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, parameters.intervalMs ?? 200));
  }
}

export type HardhatNode = {
  readonly rpcUrl: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** SIGTERM, then waits for the process to exit. Idempotent. */
  stop(): Promise<void>;
};

/**
 * Starts `hardhat node` on a free loopback port (never 0.0.0.0) and waits until it answers.
 * Its development accounts are Hardhat's public test keys.
 *
 * @example
 * import { startHardhatNode } from "./helpers/localNode.js";
 * const node = await startHardhatNode();
 * after(() => node.stop());
 */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child = spawn(HARDHAT_BIN, ["node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: PROJECT_ROOT, stdio: "ignore" });
  const killNow = (): void => void child.kill("SIGKILL");
  process.once("exit", killNow);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    process.removeListener("exit", killNow);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    await waitForRpc(rpcUrl, { what: "hardhat node" });
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, port, process: child, stop };
}
