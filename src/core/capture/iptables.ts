/**
 * iptables renderers of the rule model (reference §f.4): `iptables-restore --noflush` input per
 * family, the matching `-C` check input and the model-derived cleanup.
 *
 * Restore input per family: tables in name order, only tables with rules; each is `* table`,
 * `-N` for every Istio chain in order of first appearance as a rule's chain, then `-N` for jump
 * targets not yet declared, the rules exactly as generated, and `COMMIT`.
 */
import { checkRuleSpec, isBuiltinChain, jumpTarget, variant, type Chain, type Family, type IstioChain, type Owner, type Rule, type RuleSpec, type RuleSet, type Table, type Target } from './model.js';

const TABLE_ORDER: readonly Table[] = ['filter', 'mangle', 'nat', 'raw'];

function target(t: Target): string[] {
  return ['-j', typeof t === 'string' ? t : t.jump];
}

function owner(o: Owner, negate = false): string[] {
  return ['-m', 'owner', ...(negate ? ['!'] : []), o.kind === 'uid' ? '--uid-owner' : '--gid-owner', o.id];
}

/** The match/target arguments of one rule variant, in Istio's argument order. */
export function iptablesArgs(spec: RuleSpec): string[] {
  switch (spec.kind) {
    case 'iface':
      return [spec.dir === 'in' ? '-i' : '-o', spec.iface, ...(spec.dst ? ['-d', spec.dst] : []), ...target(spec.target)];
    case 'invalidDrop':
      return ['-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'ISTIO_DROP'];
    case 'always':
      return target(spec.target);
    case 'proto':
      return [
        '-p',
        spec.proto,
        ...(spec.dport === undefined ? [] : ['--dport', String(spec.dport)]),
        ...(spec.established ? ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'] : []),
        ...target(spec.target),
      ];
    case 'redirect':
      return ['-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(spec.port)];
    case 'setMark':
      return ['-j', 'MARK', '--set-mark', String(spec.mark)];
    case 'tproxy':
      return ['!', '-d', spec.loopback, '-p', 'tcp', '-j', 'TPROXY', '--tproxy-mark', `${spec.mark}/0xffffffff`, '--on-port', String(spec.port)];
    case 'passthroughReturn':
      return ['-o', 'lo', '-s', spec.source, '-j', 'RETURN'];
    case 'ownerToInbound': {
      const ports = spec.skipPorts.length === 1 ? ['!', '--dport', String(spec.skipPorts[0])] : ['-m', 'multiport', '!', '--dports', spec.skipPorts.join(',')];
      return ['-o', 'lo', '!', '-d', spec.loopback, '-p', 'tcp', ...ports, ...owner(spec.owner), '-j', 'ISTIO_IN_REDIRECT'];
    }
    case 'otherOwnerLoopbackReturn':
      return ['-o', 'lo', ...(spec.exceptDns ? ['-p', 'tcp', '!', '--dport', '53'] : []), ...owner(spec.owner, true), '-j', 'RETURN'];
    case 'ownerReturn':
      return [...owner(spec.owner), '-j', 'RETURN'];
    case 'groupsExceptReturn':
      return [...spec.groups.flatMap((id) => owner({ kind: 'gid', id }, true)), '-j', 'RETURN'];
    case 'dnsRedirect':
      // Istio writes `--to-port` (singular) for UDP; iptables accepts both spellings.
      return ['-p', spec.proto, '--dport', '53', ...(spec.server ? ['-d', spec.server] : []), '-j', 'REDIRECT', spec.proto === 'tcp' ? '--to-ports' : '--to-port', String(spec.port)];
    case 'ctZone':
      return [
        '-p',
        'udp',
        `--${spec.portDir}`,
        String(spec.port),
        ...(spec.owner ? owner(spec.owner) : []),
        ...(spec.addr ? [spec.addr.dir === 'dst' ? '-d' : '-s', spec.addr.cidr] : []),
        '-j',
        'CT',
        '--zone',
        String(spec.zone),
      ];
    case 'dst':
      return ['-d', spec.cidr, ...target(spec.target)];
    case 'saveMark':
      return ['-p', 'tcp', '-m', 'mark', '--mark', String(spec.mark), '-j', 'CONNMARK', '--save-mark'];
    case 'markReturn':
      return [
        '-p',
        'tcp',
        ...(spec.loopback ? [spec.loopback === 'in' ? '-i' : '-o', 'lo'] : []),
        '-m',
        'mark',
        ...(spec.negate ? ['!'] : []),
        '--mark',
        String(spec.mark),
        '-j',
        'RETURN',
      ];
    case 'ownerMark':
      return ['!', '-d', spec.loopback, '-p', 'tcp', '-o', 'lo', ...owner(spec.owner), '-j', 'MARK', '--set-mark', String(spec.mark)];
    case 'restoreMark':
      return ['-p', 'tcp', '-m', 'connmark', '--mark', String(spec.mark), '-j', 'CONNMARK', '--restore-mark'];
    case 'loopbackSourceReturn':
      return ['-p', 'tcp', '-s', spec.source, '-i', 'lo', '-j', 'RETURN'];
  }
}

export interface FamilyRule {
  readonly rule: Rule;
  readonly spec: RuleSpec;
}

/** Rules of one family grouped by table, tables in restore order. */
export function rulesByTable(set: RuleSet, family: Family): Map<Table, FamilyRule[]> {
  const byTable = new Map<Table, FamilyRule[]>();
  for (const table of TABLE_ORDER) {
    const list: FamilyRule[] = [];
    for (const rule of set.rules) {
      const spec = variant(rule, family);
      if (rule.table !== table || !spec) continue;
      checkRuleSpec(spec);
      list.push({ rule, spec });
    }
    if (list.length > 0) byTable.set(table, list);
  }
  return byTable;
}

/** Istio chains of a table's rules, in declaration order (§f.4). */
export function declaredChains(list: readonly FamilyRule[]): IstioChain[] {
  const chains: IstioChain[] = [];
  const declare = (c: Chain | undefined): void => {
    if (c && !isBuiltinChain(c) && !chains.includes(c)) chains.push(c);
  };
  for (const { rule } of list) declare(rule.chain);
  for (const { spec } of list) declare(jumpTarget(spec));
  return chains;
}

/** One `iptables-restore` table section, committed by the kernel at its `COMMIT`. */
export interface RestoreSection {
  readonly table: string;
  readonly lines: readonly string[];
}

/** Sections as restore input: `* table`, the lines, `COMMIT`. */
export function sectionsText(sections: readonly RestoreSection[]): string {
  return sections.map((s) => `* ${s.table}\n${s.lines.map((l) => `${l}\n`).join('')}COMMIT\n`).join('');
}

/** `-A chain args` (or `-I chain pos args`), `-C chain args`, `-D chain args`. */
export function ruleLine(r: FamilyRule, op: 'A' | 'C' | 'D' = 'A'): string {
  const head = op === 'A' && r.rule.insertAt ? ['-I', r.rule.chain, String(r.rule.insertAt)] : [`-${op}`, r.rule.chain];
  return [...head, ...iptablesArgs(r.spec)].join(' ');
}

/** The restore sections programming one family: `-N` lines then the rules. */
export function applySections(set: RuleSet, family: Family): RestoreSection[] {
  return [...rulesByTable(set, family)].map(([table, list]) => ({
    table,
    lines: [...declaredChains(list).map((c) => `-N ${c}`), ...list.map((r) => ruleLine(r))],
  }));
}

/** `iptables-restore --noflush` input for one family; "" when the family has no rules. */
export function renderIptables(set: RuleSet, family: Family): string {
  return sectionsText(applySections(set, family));
}

/** Restore sections that succeed only if every rule of the family is in place (`-C` lines). */
export function checkSections(set: RuleSet, family: Family): RestoreSection[] {
  return [...rulesByTable(set, family)].map(([table, list]) => ({ table, lines: list.map((r) => ruleLine(r, 'C')) }));
}

/**
 * Restore sections removing exactly what `applySections` added (for the given tables): the
 * rules in built-in chains (newest first), then every Istio chain flushed and deleted.
 */
export function rollbackSections(set: RuleSet, family: Family, tables?: ReadonlySet<string>): RestoreSection[] {
  const out: RestoreSection[] = [];
  for (const [table, list] of rulesByTable(set, family)) {
    if (tables && !tables.has(table)) continue;
    const chains = declaredChains(list);
    const builtin = list.filter((r) => isBuiltinChain(r.rule.chain)).reverse();
    out.push({
      table,
      lines: [...builtin.map((r) => ruleLine(r, 'D')), ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`)],
    });
  }
  return out;
}
