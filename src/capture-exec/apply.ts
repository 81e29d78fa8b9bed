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
import type { CaptureConfig } from '../core/config/capture.js';
import { buildRules } from '../core/capture/build.js';
import type { Family, RuleSet } from '../core/capture/model.js';
import { renderNft, renderNftCleanup } from '../core/capture/nft.js';
import type { Backend } from './backend.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { firstError, run, type ExecContext } from './exec-context.js';
import { IptablesFamily, type FamilyOutcome } from './iptables-exec.js';
import { programTproxyRoutes } from './routes.js';
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
  /** The policy route a TPROXY run with this config's mark and table would have added. */
  const anyRoute = { mark: config.tproxyMark, table: config.tproxyRouteTable };
  if (options.backend.kind === 'nft') return applyNft(ctx, config, set, families, options.dryRun === true);

  const backend = options.backend;
  const fam = (f: Family): IptablesFamily => new IptablesFamily(ctx, backend[f], f, set, config);
  const outcomes: Partial<Record<Family, FamilyOutcome>> = {};

  if (config.cleanupOnly) {
    for (const f of ['v4', 'v6'] as const) if (await fam(f).cleanup()) outcomes[f] = 'cleaned';
    if (!options.dryRun) await programTproxyRoutes(ctx, { remove: anyRoute }, ['v4', 'v6']);
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
    // Routes of an earlier TPROXY run go with its rules, whatever the new mode is.
    const remove = changed.some((f) => outcomes[f] === 'reconciled') ? anyRoute : undefined;
    if (!options.dryRun && (remove || set.tproxyRoute)) await programTproxyRoutes(ctx, { remove, add: set.tproxyRoute }, changed);
  } catch (err) {
    for (const executor of done.reverse()) await executor.rollback();
    throw err;
  }
  if (options.dryRun) for (const f of families) await fam(f).save(); // Istio logs the final state
  return { rules: set, families: outcomes };
}

/**
 * Native nftables: one `nft -f -` transaction, atomic by itself. Before Istio's transaction
 * (add + flush each table, chains, rules) it deletes all of Istio's tables: nft resolves
 * `insert rule ... index N` against the rules that existed before a `flush` in the same
 * transaction, so rerunning Istio's transaction alone misorders inserted rules. Every run
 * therefore replaces Istio's tables as a whole: a rerun leaves the same ruleset, different
 * flags replace it (--reconcile is implied). A dry run records Istio's transaction only.
 */
async function applyNft(ctx: ExecContext, config: CaptureConfig, set: RuleSet, families: Family[], dryRun: boolean): Promise<ApplyReport> {
  const nft = (text: string): Promise<{ code: number; stderr: string; stdout: string }> => run(ctx, ['nft', '-f', '-'], text);
  const outcome: FamilyOutcome = config.cleanupOnly ? 'cleaned' : 'applied';
  const text = config.cleanupOnly ? renderNftCleanup() : (dryRun ? '' : renderNftCleanup()) + renderNft(set);
  const r = await nft(text);
  if (r.code !== 0) {
    const code = config.cleanupOnly ? CaptureErrorCode.cleanupFailed : CaptureErrorCode.applyFailed;
    throw new CaptureError(code, `nft failed: ${firstError(r)}`);
  }
  if (dryRun) return { rules: set, families: Object.fromEntries(families.map((f) => [f, outcome])) };
  // The transaction replaced the tables; make the policy routes match too (a rerun must not
  // add a second `ip rule`, and a former TPROXY run's routes go with its rules).
  const add = config.cleanupOnly ? undefined : set.tproxyRoute;
  if (add || config.reconcile || config.cleanupOnly) {
    const remove = { mark: config.tproxyMark, table: config.tproxyRouteTable };
    try {
      await programTproxyRoutes(ctx, { remove, add }, config.cleanupOnly ? ['v4', 'v6'] : families);
    } catch (err) {
      await nft(renderNftCleanup());
      throw err;
    }
  }
  return { rules: set, families: Object.fromEntries(families.map((f) => [f, outcome])) };
}
