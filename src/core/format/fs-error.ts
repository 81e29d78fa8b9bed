/**
 * File-system errors in words a user reads (`no such file`), without Node's `ENOENT: …, open
 * '/x'` noise; callers put the flag and the path in front: `-f: /x.yaml: no such file`.
 */
const PHRASES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
  EBUSY: 'device or resource busy',
};

/** The reason of a failed file operation: a phrase for known errno codes, else the message. */
export function describeFsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && Object.hasOwn(PHRASES, code)) return PHRASES[code] as string;
  return err instanceof Error ? err.message : String(err);
}
