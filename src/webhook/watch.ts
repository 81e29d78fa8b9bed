/**
 * Change notification for a handful of files, robust to the way Kubernetes updates mounted
 * ConfigMaps and Secrets: the kubelet writes a new timestamped directory and atomically swaps
 * the `..data` symlink, so the watched file names never see a write of their own. We therefore
 * watch the parent directories (any event on the file's name or on a `..`-prefixed entry
 * counts), debounce bursts, and poll (stat through symlinks) as a backstop because inotify
 * events can be missed on some filesystems.
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';

export interface FileWatch {
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  /** 0 disables polling. */
  readonly pollMs?: number;
}

export function watchFiles(files: readonly string[], onChange: () => void, opts: WatchOptions = {}): FileWatch {
  const debounceMs = opts.debounceMs ?? 100;
  const pollMs = opts.pollMs ?? 10_000;
  const names = new Map<string, Set<string>>();
  for (const f of files) {
    const abs = path.resolve(f);
    const dir = path.dirname(abs);
    if (!names.has(dir)) names.set(dir, new Set());
    names.get(dir)?.add(path.basename(abs));
  }
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!closed) onChange();
    }, debounceMs);
    timer.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const [dir, base] of names) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        const n = name?.toString();
        if (n === undefined || base.has(n) || n.startsWith('..')) fire();
      });
      w.on('error', () => undefined); // directory gone: polling still notices when it is back
      watchers.push(w);
    } catch {
      // unreadable or missing directory: rely on polling
    }
  }

  let signature = signatureOf(files);
  const poll = pollMs > 0 ? setInterval(() => {
    const now = signatureOf(files);
    if (now !== signature) {
      signature = now;
      fire();
    }
  }, pollMs) : undefined;
  poll?.unref();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}

function signatureOf(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}
