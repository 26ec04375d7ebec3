/** Where commands write: human lines by default, one JSON document with `--json`. */
export type Output = {
  /** A command's result: `json` under `--json`, else the human `lines`. */
  result(json: unknown, lines: readonly string[]): void;
  /** Text written as is (e.g. a receipt on stdout). */
  raw(text: string): void;
  /** Progress or narration for people; silent under `--json`. */
  say(line: string): void;
};

export function createOutput(json: boolean, write: (text: string) => void = (t) => process.stdout.write(t)): Output {
  return {
    result: (value, lines) => write(json ? `${JSON.stringify(value, replacer, 2)}\n` : lines.map((l) => `${l}\n`).join("")),
    raw: (text) => write(text),
    say: (line) => {
      if (!json) write(`${line}\n`);
    },
  };
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** `2026-11-24 13:45:07 UTC` from Unix seconds. */
export function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} UTC`;
}
