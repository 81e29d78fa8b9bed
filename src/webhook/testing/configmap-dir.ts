/**
 * Writes files the way the kubelet updates a mounted ConfigMap/Secret: each version goes into a
 * fresh `..<timestamp>` directory, `..data` is atomically re-pointed at it, and the visible
 * names are symlinks through `..data`.
 */
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

let seq = 0;

export function writeConfigMapDir(dir: string, files: Readonly<Record<string, string>>): void {
  mkdirSync(dir, { recursive: true });
  const version = `..${Date.now()}_${process.pid}_${seq++}`;
  mkdirSync(path.join(dir, version));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, version, name), text);
  const data = path.join(dir, '..data');
  const previous = existsSync(data) ? readlinkSync(data) : undefined;
  const tmp = path.join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(version, tmp);
  renameSync(tmp, data);
  for (const name of Object.keys(files)) {
    const link = path.join(dir, name);
    if (!existsSync(link)) symlinkSync(path.join('..data', name), link);
  }
  if (previous) rmSync(path.join(dir, previous), { recursive: true, force: true });
}
