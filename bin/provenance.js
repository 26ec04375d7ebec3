#!/usr/bin/env node
// node:sqlite prints an ExperimentalWarning on Node 22; keep the CLI's output clean of it.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});
const { main } = await import("../dist/src/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
