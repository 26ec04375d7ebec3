// Every memo made by `memoize`, so that `forgetMemos` can empty them all.
const memos = new Set<Map<string, unknown>>();

/**
 * `compute` remembered for the last `max` distinct keys (the oldest forgotten first): for pure,
 * costly answers a verifier asks for again, such as a public key's decoding, keyed by everything the
 * answer depends on. For module-level memos: each one made is kept (empty or not) for `forgetMemos`.
 *
 * @example
 * const decoded = memoize(256, (hex) => decodeKey(hex));
 */
export function memoize<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const answers = new Map<string, V>();
  memos.add(answers);
  return (key) => {
    if (answers.has(key)) return answers.get(key) as V;
    const value = compute(key);
    if (answers.size >= max) answers.delete(answers.keys().next().value!);
    answers.set(key, value);
    return value;
  };
}

/**
 * Forgets every answer `memoize` remembered in this process: the next verification computes them all
 * again, as the first one in a new process does. For benchmarks that measure a first verification,
 * and for tests that swap an installed implementation (a remembered answer is the old one's).
 */
export function forgetMemos(): void {
  for (const answers of memos) answers.clear();
}
