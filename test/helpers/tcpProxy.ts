// A TCP proxy on a loopback port, for outage tests: it forwards to a target until cut, then
// resets every connection (those open and each new one) until restored, counting them.
import { type Server, type Socket, connect, createServer } from "node:net";

export type TcpProxy = {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: what a client uses instead of the target's URL. */
  readonly url: string;
  /** Connections accepted since the proxy started (forwarded or reset). */
  readonly connections: number;
  /** Connections reset because the proxy was cut. */
  readonly refused: number;
  readonly isCut: boolean;
  /** Resets every open connection; from now on each new one is accepted and reset at once (an unreachable node). */
  cut(): void;
  /** Forwards again. */
  restore(): void;
  close(): Promise<void>;
};

/**
 * Starts a proxy from a free loopback port to `target`.
 *
 * @example
 * import { startTcpProxy } from "./tcpProxy.js";
 * const proxy = await startTcpProxy({ host: "127.0.0.1", port: 8545 });
 * proxy.cut(); // the node is gone
 * proxy.restore();
 */
export async function startTcpProxy(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
  let connections = 0;
  let refused = 0;
  let isCut = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    connections++;
    if (isCut) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const closeBoth = (): void => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get refused() {
      return refused;
    },
    get isCut() {
      return isCut;
    },
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
