import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ProgressStream, createTtyProgress, formatProgressLine } from "../../src/local/hashing/createTtyProgress.js";

const MIB = 1024 ** 2;

function fakeStream(isTTY: boolean, columns = 80): ProgressStream & { writes: string[] } {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (chunk: string) => writes.push(chunk) };
}

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("createTtyProgress", () => {
  it("default", () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createTtyProgress(stream, { now: clock.now });
    progress.onProgress({ bytesHashed: 0, totalBytes: 100 * MIB, file: "weights/model.safetensors" });
    clock.advance(1000);
    progress.onProgress({ bytesHashed: 50 * MIB, totalBytes: 100 * MIB, file: "weights/model.safetensors" });
    progress.finish();
    assert.equal(stream.writes.length, 3);
    assert.ok(
      stream.writes.slice(0, 2).every((w) => w.startsWith("\r\x1b[K")),
      "each redraw returns to column 0 and clears the line",
    );
    assert.match(stream.writes[1] ?? "", /\[#{8}-{8}\]  50\.0% 50\.0\/100\.0 MiB 50\.0 MiB\/s weights\/model\.safetensors$/);
    assert.equal(stream.writes[2], "\r\x1b[K", "finish clears the line");
    assert.ok(
      stream.writes.every((w) => !w.includes("\n")),
      "never scrolls the terminal",
    );
  });

  it("behavior: redraws at most every intervalMs (10 per second by default)", () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createTtyProgress(stream, { now: clock.now });
    for (let i = 0; i <= 1000; i++) {
      progress.onProgress({ bytesHashed: i * MIB, totalBytes: 1000 * MIB });
      clock.advance(1); // 1000 events over one second
    }
    assert.equal(stream.writes.length, 11, "one draw at t=0, then one per 100 ms");
  });

  it("behavior: silent when the stream is not a TTY", () => {
    const stream = fakeStream(false);
    const progress = createTtyProgress(stream);
    progress.onProgress({ bytesHashed: 1, totalBytes: 2, file: "a" });
    progress.finish();
    assert.deepEqual(stream.writes, []);
  });

  it("behavior: finish without any draw writes nothing", () => {
    const stream = fakeStream(true);
    createTtyProgress(stream).finish();
    assert.deepEqual(stream.writes, []);
  });

  it("behavior: the line fits the terminal, keeping the end of a long file name", () => {
    const stream = fakeStream(true, 90);
    const progress = createTtyProgress(stream);
    const file = `${"deep/".repeat(20)}model-00001-of-00002.safetensors`;
    progress.onProgress({ bytesHashed: 1, totalBytes: 2, file });
    const line = (stream.writes[0] ?? "").slice("\r\x1b[K".length);
    assert.ok([...line].length <= 89, `at most columns - 1 characters: ${line.length}`);
    assert.ok(line.endsWith("model-00001-of-00002.safetensors"), line);
    assert.ok(line.includes("…"), "marks the cut");
  });

  it("behavior: a terminal reporting 0 columns (e.g. under script(1)) gets an 80-column line", () => {
    const stream = fakeStream(true, 0);
    createTtyProgress(stream).onProgress({ bytesHashed: 1, totalBytes: 2, file: "a.bin" });
    assert.ok((stream.writes[0] ?? "").endsWith(" a.bin"), JSON.stringify(stream.writes));
  });
});

describe("formatProgressLine", () => {
  it("default", () => {
    assert.equal(
      formatProgressLine({ bytesHashed: 3 * 1024 ** 3, totalBytes: 4 * 1024 ** 3, file: "a.bin" }, 2, 200),
      "[############----]  75.0% 3.0/4.0 GiB 1536.0 MiB/s a.bin",
    );
  });

  it("behavior: an empty model shows 100%", () => {
    assert.match(formatProgressLine({ bytesHashed: 0, totalBytes: 0 }, 0, 200), /100\.0% 0\/0 B 0\.0 MiB\/s$/);
  });

  it("error: control characters of a hostile file name never reach the terminal", () => {
    const line = formatProgressLine({ bytesHashed: 0, totalBytes: 1, file: "evil\x1b]0;pwned\x07\n\x9b.bin" }, 0, 200);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(line), JSON.stringify(line));
    assert.ok(line.endsWith("evil?]0;pwned???.bin"), line);
  });
});
