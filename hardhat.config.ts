import { createRequire } from "node:module";
import hardhatToolboxViemPlugin from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** Solidity version; the npm package `solc` is pinned to exactly this version (no downloads). */
export const SOLC_VERSION = "0.8.28";

export default defineConfig({
  plugins: [hardhatToolboxViemPlugin],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: require.resolve("solc/soljson.js"),
        settings: {
          // cancun: supported by Besu (QBFT) and Hardhat/EDR; OpenZeppelin 5 uses MCOPY.
          evmVersion: "cancun",
          optimizer: { enabled: true, runs: 10_000 },
        },
      },
    },
  },
  paths: { tests: { solidity: "test/solidity", nodejs: "test" } },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", url: "http://127.0.0.1:8545" },
  },
});
