/**
 * The two host file checks the capture edges (istio-iptables, the CNI plugin) pass into the
 * backend detection as dependencies.
 */
import { accessSync, constants, readFileSync } from 'node:fs';

/** access(2) X_OK. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file's text, or undefined when it cannot be read. */
export function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
