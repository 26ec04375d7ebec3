#!/usr/bin/env node
// Checked before anything is loaded: an older Node.js gets one line saying which one is needed.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`error: provenance needs Node.js 22.13.0 or later; this is Node.js ${process.versions.node} (${process.execPath})\n`);
  process.exit(2);
}
// node:sqlite prints an ExperimentalWarning on Node 22; keep the CLI's output clean of it.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});
const { main } = await import("../dist/src/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
