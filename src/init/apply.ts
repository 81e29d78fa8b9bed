/**
 * `applyCapture`: programs (or removes) the capture rules of a `CaptureConfig` in a network
 * namespace. Shared by `sidecar-kit istio-iptables` and the CNI plugin; every OS call goes
 * through the injected `Runner`, so the recording runner makes it a dry run or a test double.
 *
 * Order (reference §f.5): rules per family (IPv4, then IPv6 when enabled), then the TPROXY
 * policy routes. If a later step fails, the families this call programmed are removed again.
 * With `dryRun` the runner only records: the executor then follows Istio's own order (read the
 * state of both families, apply, read the final state) and adds no routes, so the record is
 * the one Istio's dry run writes.
 */
import type { CaptureConfig } from '../config/capture.js';
import { buildRules } from '../core/capture/build.js';
import type { Family, RuleSet } from '../core/capture/model.js';
import { renderNft, renderNftCleanup, unusedNftTables } from '../core/capture/nft.js';
import type { Backend } from './backend.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { firstError, run, type ExecContext } from './exec-context.js';
import { IptablesFamily, type FamilyOutcome } from './iptables-exec.js';
import { addTproxyRoutes, removeTproxyRoutes } from './routes.js';
import type { Runner } from './runner.js';

export interface ApplyOptions {
  readonly runner: Runner;
  readonly backend: Backend;
  /** Path of the target network namespace; default: the current one. */
  readonly netns?: string | undefined;
  /** Pod-scoped xtables lock file (XTABLES_LOCKFILE). */
  readonly xtablesLockFile?: string | undefined;
  /** The runner records instead of executing (see the module comment). */
  readonly dryRun?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface ApplyReport {
  readonly rules: RuleSet;
  readonly families: Partial<Record<Family, FamilyOutcome>>;
}

export async function applyCapture(config: CaptureConfig, options: ApplyOptions): Promise<ApplyReport> {
  const ctx: ExecContext = { runner: options.runner, netns: options.netns, xtablesLockFile: options.xtablesLockFile, log: options.log ?? (() => undefined) };
  const set = buildRules(config);
  const families: Family[] = set.ipv6 ? ['v4', 'v6'] : ['v4'];
  const routeFamilies = (fams: readonly Family[]): Family[] => fams.filter((f) => f === 'v4' || set.ipv6);
  if (options.backend.kind === 'nft') return applyNft(ctx, config, set, families, options.dryRun === true);

  const backend = options.backend;
  const fam = (f: Family): IptablesFamily => new IptablesFamily(ctx, backend[f], f, set, config);
  const outcomes: Partial<Record<Family, FamilyOutcome>> = {};

  if (config.cleanupOnly) {
    for (const f of ['v4', 'v6'] as const) if (await fam(f).cleanup()) outcomes[f] = 'cleaned';
    if (set.tproxyRoute && !options.dryRun) await removeTproxyRoutes(ctx, set.tproxyRoute, routeFamilies(['v4', 'v6']));
    return { rules: set, families: outcomes };
  }

  // Dry run: Istio reads both families' state first (its record always starts with both saves).
  const known = options.dryRun ? { v4: (await fam('v4').save()) ?? new Map(), v6: (await fam('v6').save()) ?? new Map() } : undefined;
  const done: IptablesFamily[] = [];
  try {
    for (const f of families) {
      const executor = fam(f);
      outcomes[f] = await executor.apply(known?.[f]);
      if (outcomes[f] !== 'unchanged') done.push(executor);
    }
    const changed = families.filter((f) => outcomes[f] !== 'unchanged');
    if (set.tproxyRoute && !options.dryRun && changed.length > 0) {
      if (changed.some((f) => outcomes[f] === 'reconciled')) await removeTproxyRoutes(ctx, set.tproxyRoute, changed);
      await addTproxyRoutes(ctx, set.tproxyRoute, changed);
    }
  } catch (err) {
    for (const executor of done.reverse()) await executor.rollback();
    throw err;
  }
  if (options.dryRun) for (const f of families) await fam(f).save(); // Istio logs the final state
  return { rules: set, families: outcomes };
}

/**
 * Native nftables: one `nft -f -` transaction, atomic by itself. It adds and flushes Istio's
 * tables, so a rerun leaves the same rules and a different configuration replaces them;
 * --reconcile (and --cleanup-only) also delete Istio tables this configuration does not use.
 */
async function applyNft(ctx: ExecContext, config: CaptureConfig, set: RuleSet, families: Family[], dryRun: boolean): Promise<ApplyReport> {
  const nft = (text: string): Promise<{ code: number; stderr: string; stdout: string }> => run(ctx, ['nft', '-f', '-'], text);
  const outcome: FamilyOutcome = config.cleanupOnly ? 'cleaned' : 'applied';
  const text = config.cleanupOnly ? renderNftCleanup() : renderNft(set) + (config.reconcile ? renderNftCleanup(unusedNftTables(set)) : '');
  const r = await nft(text);
  if (r.code !== 0) {
    const code = config.cleanupOnly ? CaptureErrorCode.CleanupFailed : CaptureErrorCode.ApplyFailed;
    throw new CaptureError(code, `nft failed: ${firstError(r)}`);
  }
  if (set.tproxyRoute && !dryRun) {
    await removeTproxyRoutes(ctx, set.tproxyRoute, families);
    if (!config.cleanupOnly) {
      try {
        await addTproxyRoutes(ctx, set.tproxyRoute, families);
      } catch (err) {
        await nft(renderNftCleanup());
        throw err;
      }
    }
  }
  return { rules: set, families: Object.fromEntries(families.map((f) => [f, outcome])) };
}
