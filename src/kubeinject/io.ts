/**
 * kube-inject's I/O edges: the manifest read with a size bound (a file, a FIFO, a device or an
 * endless stdin all stop at the bound instead of filling memory), and the output written either
 * to stdout — a failed write is an error, a reader that went away (EPIPE, `| head`) ends the run
 * quietly — or to `-o PATH`, replaced atomically: through symlinks to the file they name, never
 * over something that is not a regular file (a device, a FIFO, a directory), with the existing
 * file's permission bits kept.
 */
import { randomBytes } from 'node:crypto';
import { fstatSync, type Stats } from 'node:fs';
import { chmod, lstat, open, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { describeFsError } from '../core/format/fs-error.js';

/** Default of `--maxInputBytes`; docs/inject.md says why this size. */
export const DEFAULT_MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A failure of the I/O edge; the message is the whole line printed after `error: `. */
export class KubeInjectIoError extends Error {
  constructor(
    message: string,
    readonly code: 'OUTPUT_NOT_REGULAR' | 'OUTPUT_FAILED',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeInjectIoError';
  }
}

/** The input is larger than the bound; the caller names the input in its message. */
export class InputTooLargeError extends Error {
  constructor(readonly max: number) {
    super(`more than ${formatByteSize(max)} of input (--maxInputBytes)`);
    this.name = 'InputTooLargeError';
  }
}

/** The reader of stdout went away: nothing left to tell anybody; the run ends quietly. */
export class OutputClosedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the reader of stdout went away', options);
    this.name = 'OutputClosedError';
  }
}

/** `64Mi`, `500k`, `1048576`: a byte count with an optional binary (Ki, Mi, Gi) or decimal (k, M, G) suffix. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function formatByteSize(n: number): string {
  for (const [unit, size] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n} bytes`;
}

/** Reads `stream` to its end, or fails as soon as more than `max` bytes have arrived. */
export async function readBounded(stream: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buf.length;
      if (size > max) throw new InputTooLargeError(max);
      chunks.push(buf);
    }
  } finally {
    // An endless source (stdin, /dev/zero) must not keep the process alive after the error.
    stream.destroy();
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * A file's text, at most `max` bytes: a regular file is refused by its size before it is read;
 * FIFOs and devices report no useful size, so their read itself is bounded.
 */
export async function readFileBounded(path: string, max: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isFile() && info.size > max) throw new InputTooLargeError(max);
    return await readBounded(handle.createReadStream({ autoClose: false }), max);
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `stream` and waits until it has been handed to the OS (or failed). */
export function writeToStream(stream: Writable, text: string): Promise<void> {
  return new Promise((done, fail) => {
    let settled = false;
    const finish = (err: NodeJS.ErrnoException | null | undefined): void => {
      if (settled) return;
      settled = true;
      if (!err) {
        stream.off('error', finish);
        done();
        return;
      }
      // The listener stays: a stream emits the error again as an event after the callback,
      // and an 'error' event nobody listens to is a crash with a stack trace.
      fail(err.code === 'EPIPE' ? new OutputClosedError({ cause: err }) : new KubeInjectIoError(`writing to stdout: ${describeFsError(err)}`, 'OUTPUT_FAILED', { cause: err }));
    };
    stream.on('error', finish);
    stream.write(text, finish);
  });
}

/** The file a path names after following symlinks (the last one may name a file not yet made). */
async function followSymlinks(path: string, shown: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info: Stats;
    try {
      info = await lstat(current);
    } catch {
      return current; // does not exist (yet): create it there
    }
    if (!info.isSymbolicLink()) return current;
    const target = await readlink(current);
    current = isAbsolute(target) ? target : resolve(dirname(current), target);
  }
  throw new KubeInjectIoError(`${shown}: too many levels of symbolic links`, 'OUTPUT_FAILED');
}

/** Whether `info` is the file this process's stdout is (e.g. `-o /dev/stdout`). */
function isOwnStdout(info: Stats): boolean {
  try {
    const out = fstatSync(1);
    return out.dev === info.dev && out.ino === info.ino;
  } catch {
    return false;
  }
}

/** A file to replace: its real path, the mode to keep, and how messages name it (`-o: out.yaml`). */
export interface FileTarget {
  readonly path: string;
  readonly mode: number | undefined;
  readonly shown: string;
}

export type OutputTarget = { readonly kind: 'stdout' } | ({ readonly kind: 'file' } & FileTarget);

/**
 * Where `-o PATH` writes: the regular file the path names through any symlinks (replaced
 * atomically, keeping its mode), a new file (also at the end of a dangling symlink), or this
 * process's stdout (`/dev/stdout`, or a path naming the same file). Anything else that exists
 * there is refused before any work is done.
 */
export async function resolveOutput(path: string, flag = '-o'): Promise<OutputTarget> {
  const shown = `${flag}: ${path}`;
  let info: Stats | undefined;
  try {
    info = await stat(path); // follows symlinks, /proc's fd links included
  } catch {
    info = undefined;
  }
  if (info && isOwnStdout(info)) return { kind: 'stdout' };
  if (info && !info.isFile()) {
    const what = info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a FIFO' : info.isCharacterDevice() ? 'a character device' : info.isBlockDevice() ? 'a block device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw new KubeInjectIoError(`${shown}: is ${what}; ${flag} writes regular files only`, 'OUTPUT_NOT_REGULAR');
  }
  if (info) return { kind: 'file', path: await realpath(path), mode: info.mode & 0o7777, shown };
  const real = await followSymlinks(path, shown);
  const dir = await stat(dirname(real)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new KubeInjectIoError(`${shown}: directory ${dirname(real)} does not exist`, 'OUTPUT_FAILED');
  return { kind: 'file', path: real, mode: undefined, shown };
}

/**
 * Replaces `target.path` with `text` atomically: a new file with a random name in the same
 * directory (created exclusively, so no existing file or link is followed), flushed, given the
 * old file's mode, then renamed over the target. On failure the target is untouched.
 */
export async function writeFileAtomically(target: FileTarget, text: string): Promise<void> {
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (target.mode !== undefined) await chmod(tmp, target.mode);
    await rename(tmp, target.path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KubeInjectIoError(`${target.shown}: ${describeFsError(err)}`, 'OUTPUT_FAILED', { cause: err });
  }
}
