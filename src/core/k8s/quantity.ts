/** resource.Quantity fields during typed-struct normalisation: canonical text or a decode error. */
import { canonicalQuantity, isValidQuantity } from '../format/quantity.js';
import { K8sDecodeError } from './errors.js';

/** Canonical forms of recently seen quantity texts (pods repeat a handful: 100m, 128Mi, 2, 1Gi). */
const CANONICAL = new Map<string, string>();
const CANONICAL_LIMIT = 512;

export function canonicalQuantityOf(v: unknown, path: string): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new K8sDecodeError(path, 'quantities must be a string or number');
  const key = typeof v === 'string' ? v : `#${v}`;
  const known = CANONICAL.get(key);
  if (known !== undefined) return known;
  let canonical: string;
  try {
    canonical = canonicalQuantity(v);
  } catch (e) {
    throw new K8sDecodeError(path, (e as Error).message);
  }
  if (CANONICAL.size >= CANONICAL_LIMIT) CANONICAL.clear();
  CANONICAL.set(key, canonical);
  return canonical;
}

export { isValidQuantity };
