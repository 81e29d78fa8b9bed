/**
 * A stand-in for `process.stdout.write` / `process.stderr.write` in in-process command tests
 * (vitest spies): it hands the text to `append` and, like a real stream, calls the write's
 * callback once the text is taken — kube-inject waits for that callback before it exits.
 */
export function takeWrites(append: (s: string) => void): (s: unknown, ...rest: unknown[]) => boolean {
  return (s, ...rest) => {
    append(String(s));
    const done = rest.find((r) => typeof r === 'function') as ((e?: Error | null) => void) | undefined;
    if (done) queueMicrotask(() => done(null));
    return true;
  };
}
