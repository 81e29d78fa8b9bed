/**
 * Which binaries program the rules (reference §f.5): native `nft`, or an iptables variant per
 * IP family chosen like Istio: `iptables-legacy` when legacy x_tables already hold tables in
 * the namespace, else `iptables-nft`, else plain `iptables`; `--force-iptables-binary` wins.
 *
 * Detection spawns nothing in the common case: the kernel lists the legacy tables of the
 * current network namespace in /proc/net/ip_tables_names (ip6_tables_names for IPv6), which is
 * non-empty exactly when `iptables-legacy-save` would print tables, and binaries are looked up
 * on PATH. Istio's extra probe (adding and deleting a test rule) is skipped: a broken binary
 * makes the restore fail, and that failure is reported.
 */
import type { Family } from '../core/capture/model.js';
import type { Runner } from './runner.js';

export type IptablesVariant = 'legacy' | 'nft' | 'plain';

export interface IptablesBinaries {
  readonly variant: IptablesVariant;
  readonly save: string;
  readonly restore: string;
  /** Extra arguments for restore: legacy needs the xtables lock (`--wait=30`, as Istio). */
  readonly restoreArgs: readonly string[];
}

export type Backend =
  | { readonly kind: 'nft' }
  | { readonly kind: 'iptables'; readonly v4: IptablesBinaries; readonly v6: IptablesBinaries };

export function iptablesBinaries(variant: IptablesVariant, family: Family): IptablesBinaries {
  const base = family === 'v4' ? 'iptables' : 'ip6tables';
  const prefix = variant === 'plain' ? base : `${base}-${variant}`;
  return { variant, save: `${prefix}-save`, restore: `${prefix}-restore`, restoreArgs: variant === 'legacy' ? ['--wait=30'] : [] };
}

/** Plain binary names, as a dry run records them (nothing is probed). */
export const DRY_RUN_BACKEND: Backend = { kind: 'iptables', v4: iptablesBinaries('plain', 'v4'), v6: iptablesBinaries('plain', 'v6') };

/** What detection may look at; injected so tests and the CNI plugin can supply their own. */
export interface DetectionEnv {
  /** Whether an executable named `name` is on PATH. */
  readonly hasBinary: (name: string) => boolean;
  /** Whether legacy x_tables hold any table for the family in the target namespace. */
  readonly legacyHasTables: (family: Family) => Promise<boolean>;
}

export async function detectBackend(opts: { nativeNftables: boolean; force?: 'legacy' | 'nft' | undefined }, env: DetectionEnv): Promise<Backend> {
  if (opts.nativeNftables) return { kind: 'nft' };
  const pick = async (family: Family): Promise<IptablesBinaries> => {
    if (opts.force) return iptablesBinaries(opts.force, family);
    const legacy = iptablesBinaries('legacy', family);
    if (env.hasBinary(legacy.restore) && (await env.legacyHasTables(family))) return legacy;
    const nft = iptablesBinaries('nft', family);
    return env.hasBinary(nft.restore) ? nft : iptablesBinaries('plain', family);
  };
  return { kind: 'iptables', v4: await pick('v4'), v6: await pick('v6') };
}

/** The files listing legacy x_tables' tables in the reading process's network namespace. */
export const LEGACY_TABLE_FILES: Readonly<Record<Family, string>> = { v4: '/proc/net/ip_tables_names', v6: '/proc/net/ip6_tables_names' };

/** Whether legacy x_tables hold tables inside `netns`, per family: one `nsenter ... grep` (no shell). */
export function legacyTablesIn(runner: Runner, netns: string): Promise<Record<Family, boolean>> {
  const files = LEGACY_TABLE_FILES;
  return runner.run({ argv: ['nsenter', `--net=${netns}`, '--', 'grep', '-Hs', '', files.v4, files.v6] }).then((r) => {
    const lines = r.stdout.split('\n');
    return { v4: lines.some((l) => l.startsWith(`${files.v4}:`)), v6: lines.some((l) => l.startsWith(`${files.v6}:`)) };
  });
}

/** `hasBinary` over the directories of a PATH value. */
export function binaryOnPath(pathEnv: string, isExecutable: (path: string) => boolean): (name: string) => boolean {
  const dirs = pathEnv.split(':').filter((d) => d !== '');
  return (name) => dirs.some((d) => isExecutable(`${d}/${name}`));
}

/**
 * The real detection environment. Without `netns` it reads /proc of this process's namespace;
 * with `netns` it reads the same files from inside that namespace (legacyTablesIn).
 */
export function systemDetectionEnv(deps: {
  readonly readFile: (path: string) => string | undefined;
  readonly isExecutable: (path: string) => boolean;
  readonly pathEnv: string;
  readonly runner: Runner;
  readonly netns?: string;
}): DetectionEnv {
  let inNetns: Promise<Record<Family, boolean>> | undefined;
  return {
    hasBinary: binaryOnPath(deps.pathEnv, deps.isExecutable),
    legacyHasTables: async (family) => {
      if (deps.netns === undefined) return (deps.readFile(LEGACY_TABLE_FILES[family]) ?? '').trim() !== '';
      inNetns ??= legacyTablesIn(deps.runner, deps.netns);
      return (await inNetns)[family];
    },
  };
}
