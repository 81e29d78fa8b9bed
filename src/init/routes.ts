/**
 * TPROXY policy routing (reference §f.3 step 19): packets carrying the TPROXY mark are routed
 * to the local table so the transparent listener receives them. One `ip -batch` per family.
 */
import type { Family } from '../core/capture/model.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { firstError, run, type ExecContext } from './exec-context.js';

export interface TproxyRoute {
  readonly mark: number;
  readonly table: number;
}

const familyArgs = (family: Family): string[] => (family === 'v6' ? ['-6'] : []);
const anyAddress = (family: Family): string => (family === 'v6' ? '::/0' : '0.0.0.0/0');

export async function addTproxyRoutes(ctx: ExecContext, route: TproxyRoute, families: readonly Family[]): Promise<void> {
  for (const family of families) {
    const batch = `rule add fwmark ${route.mark} lookup ${route.table}\nroute add local ${anyAddress(family)} dev lo table ${route.table}\n`;
    const r = await run(ctx, ['ip', ...familyArgs(family), '-batch', '-'], batch);
    if (r.code !== 0) throw new CaptureError(CaptureErrorCode.ApplyFailed, `adding the TPROXY ${family} route failed: ${firstError(r)}`);
  }
}

/** Removes the policy rule and the routing table; missing entries are not an error. */
export async function removeTproxyRoutes(ctx: ExecContext, route: TproxyRoute, families: readonly Family[]): Promise<void> {
  for (const family of families) {
    const batch = `rule del fwmark ${route.mark} lookup ${route.table}\nroute flush table ${route.table}\n`;
    await run(ctx, ['ip', ...familyArgs(family), '-force', '-batch', '-'], batch);
  }
}
