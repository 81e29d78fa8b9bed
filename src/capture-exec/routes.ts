/**
 * TPROXY policy routing (reference §f.3 step 19): packets carrying the TPROXY mark are routed
 * to the local table so the transparent listener receives them. One `ip -batch` per family
 * removes an earlier run's entries (missing ones are fine) and/or adds this run's.
 */
import type { Family } from '../core/capture/model.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { firstError, run, type ExecContext } from './exec-context.js';

export interface TproxyRoute {
  readonly mark: number;
  readonly table: number;
}

export async function programTproxyRoutes(
  ctx: ExecContext,
  change: { readonly remove?: TproxyRoute | undefined; readonly add?: TproxyRoute | undefined },
  families: readonly Family[],
): Promise<void> {
  for (const family of families) {
    const any = family === 'v6' ? '::/0' : '0.0.0.0/0';
    const remove = change.remove ? [`rule del fwmark ${change.remove.mark} lookup ${change.remove.table}`, `route flush table ${change.remove.table}`] : [];
    const add = change.add ? [`rule add fwmark ${change.add.mark} lookup ${change.add.table}`, `route add local ${any} dev lo table ${change.add.table}`] : [];
    if (remove.length + add.length === 0) continue;
    // With -force, ip keeps going after a failed line and reports each as "Command failed -:N".
    const argv = ['ip', ...(family === 'v6' ? ['-6'] : []), ...(remove.length > 0 ? ['-force'] : []), '-batch', '-'];
    const r = await run(ctx, argv, [...remove, ...add].map((l) => `${l}\n`).join(''));
    const failed = [...r.stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1]));
    const addFailed = remove.length > 0 ? failed.some((n) => n > remove.length) : r.code !== 0;
    if (change.add && addFailed) throw new CaptureError(CaptureErrorCode.applyFailed, `adding the TPROXY ${family} route failed: ${firstError(r)}`);
  }
}
