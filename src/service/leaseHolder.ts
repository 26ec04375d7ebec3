// Lease holder names that let a restarted service take its own lease back at once. A holder killed
// with `kill -9` cannot release its lease, so the lease would otherwise stay taken until its TTL
// ran out. The name says which process held it (host, boot, PID namespace, PID and the process's
// start time); a lease is taken over early only when that process is provably gone: same host,
// same boot, same PID namespace, and no process with that PID and start time exists. Anything
// else (another host, another boot, a PID reused by another process, no /proc) is left to expire.
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/** Where a process runs and which process it is; null parts are unknown (not Linux). */
export type ProcessIdentity = {
  readonly host: string;
  readonly bootId: string | null;
  readonly pidNamespace: string | null;
  readonly pid: number;
  /** Clock ticks since boot at which the process started (/proc/PID/stat field 22). */
  readonly startTime: string | null;
};

const SEPARATOR = " ";

/** A lease holder name for this process: `host/pid/random`, then its identity for takeover. */
export function leaseHolderName(identity: ProcessIdentity = thisProcess(), nonce = randomBytes(4).toString("hex")): string {
  const head = `${identity.host}/${identity.pid}/${nonce}`;
  if (identity.bootId === null || identity.pidNamespace === null || identity.startTime === null) return head;
  return [head, `boot=${identity.bootId}`, `pidns=${identity.pidNamespace}`, `start=${identity.startTime}`].join(SEPARATOR);
}

/** The identity in a holder name made by `leaseHolderName`; null for any other name (configured instance ids). */
export function parseLeaseHolder(name: string): ProcessIdentity | null {
  const match = /^(.+)\/([1-9][0-9]{0,9})\/[0-9a-f]{8} boot=([0-9a-f-]{36}) pidns=([0-9]{1,20}) start=([0-9]{1,20})$/.exec(name);
  if (!match) return null;
  return { host: match[1]!, pid: Number(match[2]), bootId: match[3]!, pidNamespace: match[4]!, startTime: match[5]! };
}

/** What /proc says of a PID: its start time, no such process, or that it exists but cannot be read. */
export type ProcessState = { readonly startTime: string } | "gone" | "unknown";

/**
 * True only if `holder` names a process of this host, boot and PID namespace that no longer runs:
 * no process has its PID, or the one that has it started at another time (the PID was reused).
 */
export function isDeadLocalHolder(holder: string, self: ProcessIdentity = thisProcess(), stateOf: (pid: number) => ProcessState = processState): boolean {
  const other = parseLeaseHolder(holder);
  if (!other || self.bootId === null || self.pidNamespace === null) return false;
  if (other.host !== self.host || other.bootId !== self.bootId || other.pidNamespace !== self.pidNamespace) return false;
  if (other.pid === self.pid && other.startTime === self.startTime) return false; // this very process
  const state = stateOf(other.pid);
  return state === "gone" || (state !== "unknown" && state.startTime !== other.startTime);
}

/** This process, from /proc (null parts where /proc does not say). */
export function thisProcess(): ProcessIdentity {
  const state = processState(process.pid);
  return { host: hostname(), bootId: bootId(), pidNamespace: pidNamespace(), pid: process.pid, startTime: typeof state === "object" ? state.startTime : null };
}

function bootId(): string | null {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return /^[0-9a-f-]{36}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return /^pid:\[([0-9]+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** A PID's process from /proc/PID/stat; a zombie counts as gone, an unreadable one (hidepid) as unknown. */
export function processState(pid: number): ProcessState {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return "unknown";
    try {
      process.kill(pid, 0); // /proc hides it, yet it exists
      return "unknown";
    } catch (signalError) {
      return (signalError as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : "unknown";
    }
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return "gone";
  const startTime = fields[19]; // field 22 of the line: state is field 3
  return startTime !== undefined && /^[0-9]+$/.test(startTime) ? { startTime } : "unknown";
}
