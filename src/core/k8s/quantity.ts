/** resource.Quantity fields during typed-struct normalisation: canonical text or a decode error. */
import { canonicalQuantity, isValidQuantity } from '../format/quantity.js';
import { K8sDecodeError } from './errors.js';

export function canonicalQuantityOf(v: unknown, path: string): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new K8sDecodeError(path, 'quantities must be a string or number');
  try {
    return canonicalQuantity(v);
  } catch (e) {
    throw new K8sDecodeError(path, (e as Error).message);
  }
}

export { isValidQuantity };
