/** What a pure parser of command output returns: the value, or why the output was not understood. */
export type ParseOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };
