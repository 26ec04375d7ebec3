// The QBFT sealer lives in src/local/qbftDevNode/ (the light-mode demo runs on it); tests import it from here.
export * from "../../src/local/qbftDevNode/sealer.js";
