/**
 * The oracle for a test file: Istio's own code (scripts/istio-oracle.mjs) and the differential
 * harness's context on it, started before the enclosing describe block's tests and closed after
 * them. Needs Go >= 1.26 (the oracle; built once into ~/.cache/sidecar-kit).
 */
import { afterAll, beforeAll } from 'vitest';
import { startOracle, type OracleProcess } from '../../scripts/istio-oracle.mjs';
import { DiffContext } from './diff.js';

export interface LiveOracle {
  readonly oracle: OracleProcess;
  readonly ctx: DiffContext;
}

/** Registers the start and the close; the fields are set once the block's beforeAll has run. */
export function withOracle(): LiveOracle {
  const live: { oracle?: OracleProcess; ctx?: DiffContext } = {};
  beforeAll(() => {
    live.oracle = startOracle();
    live.ctx = new DiffContext(live.oracle);
  });
  afterAll(async () => {
    live.ctx?.close();
    await live.oracle?.close();
  });
  return {
    get oracle(): OracleProcess {
      if (!live.oracle) throw new Error('the oracle is used before its beforeAll ran');
      return live.oracle;
    },
    get ctx(): DiffContext {
      if (!live.ctx) throw new Error('the oracle is used before its beforeAll ran');
      return live.ctx;
    },
  };
}
