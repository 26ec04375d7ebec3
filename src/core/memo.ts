/**
 * `compute` remembered for the last `max` distinct keys (the oldest forgotten first): for pure,
 * costly answers a verifier asks for again, such as a public key's decoding, keyed by everything the
 * answer depends on.
 *
 * @example
 * const decoded = memoize(256, (hex) => decodeKey(hex));
 */
export function memoize<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const answers = new Map<string, V>();
  return (key) => {
    if (answers.has(key)) return answers.get(key) as V;
    const value = compute(key);
    if (answers.size >= max) answers.delete(answers.keys().next().value!);
    answers.set(key, value);
    return value;
  };
}
