// A throwaway PostgreSQL cluster for tests: initdb in a fresh temp dir, a free loopback port, the
// socket inside the temp dir, stopped (immediate) and deleted by `stop`. initdb refuses to run as
// root, so as root every server command runs as the `postgres` OS user (docs: /work/shared/SETUP.md).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./localNode.js";

const run = promisify(execFile);

export type PostgresCluster = {
  /** A database created for the caller, as the superuser `postgres` (trust authentication, loopback only). */
  readonly connectionString: string;
  readonly port: number;
  /** Creates another database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (`pg_ctl stop -m immediate`) and removes its directory. Idempotent. */
  stop(): Promise<void>;
};

/** Where the server binaries are: `PG_BIN_DIR`, else the newest `/usr/lib/postgresql/<version>/bin`; else why not. */
function locateBinDir(): { dir: string } | { missing: string } {
  const candidates = process.env.PG_BIN_DIR
    ? [process.env.PG_BIN_DIR]
    : existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => join("/usr/lib/postgresql", v, "bin"))
      : [];
  const found = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (found === undefined)
    return {
      missing: `PostgreSQL server binaries (initdb, pg_ctl) not found in ${candidates.length > 0 ? candidates.join(", ") : "/usr/lib/postgresql/<version>/bin"}; install them (Debian: apt-get install postgresql) or set PG_BIN_DIR`,
    };
  return { dir: found };
}

/**
 * Why no cluster can be started on this machine (the server binaries are missing), or undefined.
 * Tests skip with this reason; binaries that are present but fail to start still fail the test.
 *
 * @example
 * const missing = postgresMissing();
 * if (missing) it(`skipped: ${missing}`, { skip: true }, () => {});
 */
export function postgresMissing(): string | undefined {
  const located = locateBinDir();
  return "missing" in located ? located.missing : undefined;
}

function findBinDir(): string {
  const located = locateBinDir();
  if ("missing" in located) throw new Error(located.missing);
  return located.dir;
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs a server command, as the `postgres` OS user when we are root. */
async function asServerUser(binary: string, args: readonly string[]): Promise<void> {
  if (userInfo().uid === 0) await run("su", ["postgres", "-s", "/bin/sh", "-c", [binary, ...args].map(quote).join(" ")]);
  else await run(binary, [...args]);
}

function asServerUserSync(binary: string, args: readonly string[]): void {
  if (userInfo().uid === 0) execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", [binary, ...args].map(quote).join(" ")], { stdio: "ignore" });
  else execFileSync(binary, [...args], { stdio: "ignore" });
}

/**
 * Starts a throwaway PostgreSQL cluster on a free loopback port and creates a database in it.
 * Throws when the server binaries are missing (callers skip first with `postgresMissing()`).
 *
 * @example
 * import { startPostgresCluster } from "./postgresCluster.js";
 * const cluster = await startPostgresCluster();
 * try { await useDatabase(cluster.connectionString); } finally { await cluster.stop(); }
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findBinDir();
  const dir = await mkdtemp(join(tmpdir(), "provenance-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const root = userInfo().uid === 0;
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    await chown(dir, uid, gid);
  }
  let started = false;
  const stopSync = (): void => {
    if (started) {
      started = false;
      try {
        asServerUserSync(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
      } catch {
        // already stopped
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopSync); // a test that crashes leaves neither a server nor its directory behind
  try {
    // --no-sync: initdb's own files; the running server still fsyncs every commit.
    await asServerUser(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await asServerUser(join(bin, "pg_ctl"), ["-D", data, "-l", log, "-w", "-t", "30", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"]);
        started = true;
        break;
      } catch (error) {
        if (attempt >= 2) throw error; // the port may have been taken between choosing and binding it
      }
    }
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    for (let attempt = 0; ; attempt++) {
      const client = new pg.Client({ connectionString: admin });
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        break;
      } catch (error) {
        await client.end().catch(() => {});
        if (attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const createDatabase = async (name: string): Promise<string> => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    };
    const connectionString = await createDatabase("provenance_test");
    let stopped = false;
    return {
      connectionString,
      port,
      createDatabase,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.removeListener("exit", stopSync);
        if (started) {
          started = false;
          await asServerUser(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]).catch(() => {});
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    const serverLog = await readFile(log, "utf8").catch(() => "");
    stopSync();
    process.removeListener("exit", stopSync);
    await rm(dir, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`could not start a PostgreSQL cluster with ${bin}: ${message}${serverLog ? `\nserver log:\n${serverLog.slice(-2000)}` : ""}`, {
      cause: error,
    });
  }
}
