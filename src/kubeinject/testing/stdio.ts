/**
 * Captures what a command writes to stdout/stderr in-process (vitest spies). Like a real stream,
 * a write's callback is called once the text is taken: kube-inject waits for it.
 */
import { vi } from 'vitest';

export interface CapturedStdio {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureStdio(): CapturedStdio {
  let out = '';
  let err = '';
  const writer = (append: (s: string) => void) => (s: unknown, ...rest: unknown[]) => {
    append(String(s));
    const done = rest.find((r) => typeof r === 'function') as ((e?: Error | null) => void) | undefined;
    done?.(null);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(writer((s) => (out += s)));
  vi.spyOn(process.stderr, 'write').mockImplementation(writer((s) => (err += s)));
  return { out: () => out, err: () => err };
}
