/**
 * Programs one IP family with iptables (reference §f.5), spawning as little as possible:
 *
 * - Apply first: one `iptables-restore --noflush`. On a fresh pod that is the only process.
 * - Only when it fails, look: `iptables-save`; no Istio chains there means a real error.
 *   Otherwise compare with the model (chain shape, then one `-C` restore for the rules):
 *   the same rules mean a rerun and nothing changes; different ones fail unless --reconcile,
 *   which replaces them in one restore, atomically per table.
 * - iptables-restore commits table by table: if a later table fails, the tables committed
 *   before it are ours and are removed again, so a failure leaves nothing half-applied.
 */
import type { CaptureConfig } from '../core/config/capture.js';
import { applySections, checkSections, rollbackSections, sectionsText, type RestoreSection } from '../core/capture/iptables.js';
import type { Family, RuleSet } from '../core/capture/model.js';
import { committedBefore, describeShapeDelta, failedLine, hasIstioState, parseIptablesSave, planCleanup, planReconcile, type IptablesState } from '../core/capture/state.js';
import type { IptablesBinaries } from './backend.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { firstError, run, type ExecContext } from './exec-context.js';

export type FamilyOutcome = 'applied' | 'unchanged' | 'reconciled' | 'cleaned';

type RestoreResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly committed: readonly string[] };

export class IptablesFamily {
  constructor(
    private readonly ctx: ExecContext,
    private readonly bins: IptablesBinaries,
    readonly family: Family,
    private readonly set: RuleSet,
    private readonly cfg: Pick<CaptureConfig, 'reconcile' | 'forceApply'>,
  ) {}

  /** `iptables-save`; undefined when it cannot run (e.g. no IPv6 support). */
  async save(): Promise<IptablesState | undefined> {
    const r = await run(this.ctx, [this.bins.save], undefined, true);
    return r.code === 0 ? parseIptablesSave(r.stdout) : undefined;
  }

  /** Runs the sections in one restore; on failure, `committed` lists the tables the kernel kept. */
  async restore(sections: readonly RestoreSection[]): Promise<RestoreResult> {
    if (sections.length === 0) return { ok: true };
    const r = await run(this.ctx, [this.bins.restore, '--noflush', ...this.bins.restoreArgs], sectionsText(sections), true);
    if (r.code === 0) return { ok: true };
    const lineNo = failedLine(r.stderr);
    const committed = lineNo === undefined ? 0 : (committedBefore(sections, lineNo) ?? 0);
    return { ok: false, message: `${this.bins.restore} failed: ${firstError(r)}`, committed: sections.slice(0, committed).map((s) => s.table) };
  }

  /** Programs the family; `known` is the state already read (dry-run order), else apply first. */
  async apply(known?: IptablesState): Promise<FamilyOutcome> {
    if (known === undefined || !hasIstioState(known)) {
      const r = await this.restore(applySections(this.set, this.family));
      if (r.ok) return 'applied';
      if (r.committed.length > 0) await this.rollback(new Set(r.committed));
      const state = known ?? (await this.save());
      if (known !== undefined || state === undefined || !hasIstioState(state)) {
        throw new CaptureError(CaptureErrorCode.applyFailed, `${this.family}: ${r.message}`);
      }
      return this.resolveExisting(state);
    }
    return this.resolveExisting(known);
  }

  /** Istio rules are already there: keep them if they are ours, else reconcile or refuse. */
  private async resolveExisting(state: IptablesState): Promise<FamilyOutcome> {
    const shape = describeShapeDelta(this.set, this.family, state);
    const same = shape === undefined && (await this.restore(checkSections(this.set, this.family))).ok;
    if (same && !this.cfg.forceApply) {
      this.ctx.log(`${this.family}: the requested rules are already in place; nothing to do`);
      return 'unchanged';
    }
    if (!this.cfg.reconcile) {
      const why = same ? 'they are already in place and --force-apply was given' : (shape ?? 'rule contents differ');
      throw new CaptureError(
        CaptureErrorCode.existingRules,
        `${this.family}: Istio iptables rules from an earlier run are present (${why}); rerun with --reconcile to replace them`,
      );
    }
    const r = await this.restore(planReconcile(this.set, this.family, state));
    if (!r.ok) throw new CaptureError(CaptureErrorCode.applyFailed, `${this.family}: reconciling failed: ${r.message}`);
    this.ctx.log(`${this.family}: replaced the existing Istio rules (${shape ?? 'rule contents differed'})`);
    return 'reconciled';
  }

  /** Removes what `apply` added (best effort; used to undo a partial apply). */
  async rollback(tables?: ReadonlySet<string>): Promise<void> {
    const r = await this.restore(rollbackSections(this.set, this.family, tables));
    if (!r.ok) this.ctx.log(`${this.family}: rolling back failed: ${r.message}`);
  }

  /** Removes every Istio chain and jump present; false when the family cannot be read. */
  async cleanup(known?: IptablesState): Promise<boolean> {
    const state = known ?? (await this.save());
    if (state === undefined) return false;
    const r = await this.restore(planCleanup(state));
    if (!r.ok) throw new CaptureError(CaptureErrorCode.cleanupFailed, `${this.family}: cleanup failed: ${r.message}`);
    return true;
  }
}
