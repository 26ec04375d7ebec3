import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { type ProcessIdentity, isDeadLocalHolder, leaseHolderName, parseLeaseHolder, processState, thisProcess } from "../../src/service/leaseHolder.js";

const BOOT = "5f0f6c43-9d7e-4f53-9b8f-2a6f1c0d7e11";
const self: ProcessIdentity = { host: "anchor-1", bootId: BOOT, pidNamespace: "4026531836", pid: 4242, startTime: "987654" };
const killed: ProcessIdentity = { ...self, pid: 4100, startTime: "912345" };
const name = (identity: ProcessIdentity) => leaseHolderName(identity, "0badcafe");
/** How isDeadLocalHolder learns what runs under a PID now. */
type ProcessStateOf = Parameters<typeof isDeadLocalHolder>[2];

describe("lease holder names (taking over a killed process's lease)", () => {
  it("default: a name says host/pid/nonce, then boot, PID namespace and start time, and parses back", () => {
    assert.equal(name(self), `anchor-1/4242/0badcafe boot=${BOOT} pidns=4026531836 start=987654`);
    assert.deepEqual(parseLeaseHolder(name(self)), self);
  });

  it("default: without /proc (no boot id) the name is host/pid/nonce and is never taken over", () => {
    const elsewhere = { ...self, bootId: null };
    assert.equal(name(elsewhere), "anchor-1/4242/0badcafe");
    assert.equal(parseLeaseHolder(name(elsewhere)), null);
    assert.equal(
      isDeadLocalHolder(name(elsewhere), self, () => "gone"),
      false,
    );
    assert.equal(
      isDeadLocalHolder(name(killed), elsewhere, () => "gone"),
      false,
      "nor does a process that cannot tell its own boot",
    );
  });

  it("behavior: a holder of this host, boot and PID namespace whose process is gone (or whose PID now runs another process) is dead", () => {
    assert.equal(
      isDeadLocalHolder(name(killed), self, () => "gone"),
      true,
    );
    assert.equal(
      isDeadLocalHolder(name(killed), self, () => ({ startTime: "999999" })),
      true,
      "PID reused by a process started later",
    );
  });

  it("error: anything short of proof is not dead — the process runs, cannot be read, or is elsewhere", () => {
    const notProof: [what: string, holder: string, state: ProcessStateOf][] = [
      ["still running", name(killed), () => ({ startTime: "912345" })],
      ["hidden by hidepid", name(killed), () => "unknown"],
      ["another host", name({ ...killed, host: "anchor-2" }), () => "gone"],
      ["an earlier boot", name({ ...killed, bootId: "00000000-0000-4000-8000-000000000000" }), () => "gone"],
      ["another PID namespace (container)", name({ ...killed, pidNamespace: "4026532000" }), () => "gone"],
      ["this very process", name(self), () => "gone"],
      ["a configured instance id", "instance-a", () => "gone"],
      ["a name that does not parse exactly", `${name(killed)} extra`, () => "gone"],
    ];
    for (const [what, holder, state] of notProof) assert.equal(isDeadLocalHolder(holder, self, state), false, what);
  });

  it("behavior: this process reads its own identity from /proc; a child killed with SIGKILL is gone", {
    skip: process.platform !== "linux" && "needs /proc (Linux)",
  }, async () => {
    const me = thisProcess();
    assert.equal(me.pid, process.pid);
    assert.match(me.bootId ?? "", /^[0-9a-f-]{36}$/);
    assert.match(me.pidNamespace ?? "", /^[0-9]+$/);
    assert.deepEqual(processState(process.pid), { startTime: me.startTime });
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await once(child, "spawn");
    const state = processState(child.pid!);
    assert.ok(typeof state === "object", "a running child has a start time");
    const holder = leaseHolderName({ ...me, pid: child.pid!, startTime: state.startTime });
    assert.equal(isDeadLocalHolder(holder), false, "alive");
    child.kill("SIGKILL");
    await once(child, "exit");
    assert.equal(processState(child.pid!), "gone");
    assert.equal(isDeadLocalHolder(holder), true, "killed");
  });
});
