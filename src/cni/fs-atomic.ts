/**
 * Whole-file replacement that readers never see half-done: write a temporary file in the same
 * directory (a dot-name without a .conf/.conflist extension, which runtimes ignore), flush it,
 * give it the final mode, then rename it over the target (rename(2) is atomic on one fs).
 */
import { closeSync, constants, copyFileSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
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

/** Bytes compared per read by `sameContent`: memory stays at two such buffers whatever the files' size. */
const COMPARE_CHUNK = 1 << 20;

/**
 * Whether two files hold the same bytes, read in 1 MiB chunks. The plugin executable is a ~100 MB
 * single executable: reading both copies whole took ~200 MB and got the installer OOM-killed under
 * its memory limit when it restarted beside a plugin it had left in place.
 */
export function sameContent(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const fa = openSync(a, 'r');
  try {
    const fb = openSync(b, 'r');
    try {
      const ba = Buffer.allocUnsafe(COMPARE_CHUNK);
      const bb = Buffer.allocUnsafe(COMPARE_CHUNK);
      for (let pos = 0; ; ) {
        const na = readSync(fa, ba, 0, COMPARE_CHUNK, pos);
        let nb = 0;
        while (nb < na) {
          const n = readSync(fb, bb, nb, na - nb, pos + nb);
          if (n === 0) return false;
          nb += n;
        }
        if (na === 0) return readSync(fb, bb, 0, 1, pos) === 0;
        if (!ba.subarray(0, na).equals(bb.subarray(0, na))) return false;
        pos += na;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}
