/**
 * The manifests `-f` names, read for kube-inject and kube-uninject: stdin, a file or a
 * directory's manifest files, bounded in size (io.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError } from '../core/format/fs-error.js';
import { formatByteSize, InputTooLargeError, readBounded, readFileBounded } from './io.js';

/** One input manifest: where it came from (for messages) and its text. */
export interface Manifest {
  readonly path: string;
  readonly text: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/**
 * The manifests `-f` names: stdin (`-`), a file, or a directory's *.yaml, *.yml and *.json
 * files (not recursive, in name order, as kubectl reads a directory). Errors name the flag as
 * written and the path: `-f: /x.yaml: no such file`. At most `max` bytes are read in all
 * (--maxInputBytes): a regular file is checked by its size before it is read, stdin, FIFOs and
 * devices while they are read, so an endless source stops at the bound.
 */
export async function readManifests(filename: string, written: string, max: number): Promise<Manifest[]> {
  if (filename === '-') return [{ path: '-', text: await readBounded(process.stdin, max).catch((e: unknown) => fail(written, '-', e)) }];
  const info = await stat(filename).catch((e: unknown) => fail(written, filename, e));
  if (!info.isDirectory()) return [{ path: filename, text: await readFileBounded(filename, max).catch((e: unknown) => fail(written, filename, e)) }];
  const names = (await readdir(filename).catch((e: unknown) => fail(written, filename, e))).filter((n) => MANIFEST_FILE.test(n)).sort();
  const manifests: Manifest[] = [];
  let left = max;
  for (const name of names) {
    const path = join(filename, name);
    if (!(await stat(path).catch((e: unknown) => fail(written, path, e))).isFile()) continue;
    // Over the bound in all: the message names the directory and the whole bound.
    const text = await readFileBounded(path, left).catch((e: unknown) =>
      e instanceof InputTooLargeError ? fail(written, filename, new InputTooLargeError(max)) : fail(written, path, e),
    );
    left -= Buffer.byteLength(text);
    manifests.push({ path, text });
  }
  if (manifests.length === 0) throw new InputError(`${written}: ${filename}: a directory without *.yaml, *.yml or *.json files`);
  return manifests;
}

function fail(written: string, path: string, e: unknown): never {
  if (e instanceof InputTooLargeError) {
    throw new InputError(`${written}: ${path === '-' ? 'stdin' : path}: more than ${formatByteSize(e.max)} of input (--maxInputBytes); split it or raise the bound`);
  }
  throw new InputError(`${written}: ${path}: ${describeFsError(e)}`);
}

/** An input that cannot be read; its message is complete. */
export class InputError extends Error {
  override readonly name = 'InputError';
}
