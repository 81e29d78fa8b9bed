/**
 * Whole-file replacement that readers never see half-done: write a temporary file in the same
 * directory (a dot-name without a .conf/.conflist extension, which runtimes ignore), flush it,
 * give it the final mode, then rename it over the target (rename(2) is atomic on one fs).
 */
import { closeSync, constants, copyFileSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
}

/** The target's current permission bits, or undefined when it does not exist. */
export function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

export function writeFileAtomic(target: string, content: string | Buffer, mode: number): void {
  const tmp = tempPath(target);
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode); // the umask may have narrowed the mode given to open(2)
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Copies an executable into place atomically (a running plugin keeps its old inode). */
export function copyFileAtomic(source: string, target: string, mode: number): void {
  const tmp = tempPath(target);
  try {
    copyFileSync(source, tmp);
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
