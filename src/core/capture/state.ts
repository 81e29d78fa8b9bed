/**
 * Reading live iptables state (`iptables-save` output) against the rule model, and planning
 * the restore input that cleans it up or reconciles it. Pure: the executor runs the commands.
 * Deletions reuse the saved rule text (`-A` becomes `-D`), so they match the live rules
 * exactly whatever canonical form the kernel printed.
 */
import { declaredChains, ruleLine, rulesByTable, type RestoreSection } from './iptables.js';
import type { Family, RuleSet, Table } from './model.js';

export interface TableState {
  readonly chains: ReadonlySet<string>;
  /** Rule lines as printed (`-A CHAIN ...`), in order. */
  readonly rules: readonly { readonly chain: string; readonly line: string }[];
}

export type IptablesState = ReadonlyMap<string, TableState>;

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const isIstio = (chain: string): boolean => chain.startsWith('ISTIO_');

export function parseIptablesSave(text: string): IptablesState {
  const state = new Map<string, { chains: Set<string>; rules: { chain: string; line: string }[] }>();
  let current: { chains: Set<string>; rules: { chain: string; line: string }[] } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      current = { chains: new Set(), rules: [] };
      state.set(line.slice(1).trim(), current);
    } else if (current && line.startsWith(':')) {
      current.chains.add(line.slice(1).split(/\s+/)[0] ?? '');
    } else if (current && line.startsWith('-A ')) {
      current.rules.push({ chain: line.split(/\s+/)[1] ?? '', line });
    }
  }
  return state;
}

/** The chain a saved rule jumps (`-j`) or goes (`-g`) to. */
function savedTarget(line: string): string | undefined {
  const tokens = line.split(/\s+/);
  for (let i = tokens.length - 2; i >= 0; i--) if (tokens[i] === '-j' || tokens[i] === '-g') return tokens[i + 1];
  return undefined;
}

export function hasIstioState(state: IptablesState): boolean {
  return [...state.values()].some((t) => [...t.chains].some(isIstio));
}

/**
 * How the live Istio chains differ in shape from the model (missing or unexpected chains,
 * different rule counts); undefined when the shape matches. Rule contents are checked
 * separately with `-C` (see `renderIptablesCheck`), because iptables-save prints rules in a
 * canonical form that differs from the input form.
 */
export function describeShapeDelta(set: RuleSet, family: Family, state: IptablesState): string | undefined {
  const expected = rulesByTable(set, family);
  const tables = new Set<string>([...expected.keys(), ...state.keys()]);
  for (const table of tables) {
    const list = expected.get(table as Table) ?? [];
    const want = new Map<string, number>(declaredChains(list).map((c) => [c, 0]));
    for (const { rule } of list) if (want.has(rule.chain)) want.set(rule.chain, (want.get(rule.chain) ?? 0) + 1);
    const live = state.get(table);
    const have = new Map<string, number>([...(live?.chains ?? [])].filter(isIstio).map((c) => [c, 0]));
    for (const r of live?.rules ?? []) if (have.has(r.chain)) have.set(r.chain, (have.get(r.chain) ?? 0) + 1);
    for (const [chain, n] of want) {
      if (!have.has(chain)) return `${table}: chain ${chain} is missing`;
      if (have.get(chain) !== n) return `${table}: chain ${chain} has ${have.get(chain)} rules, expected ${n}`;
    }
    for (const chain of have.keys()) if (!want.has(chain)) return `${table}: unexpected chain ${chain}`;
  }
  return undefined;
}

/**
 * Whether a saved rule in a built-in chain is one Istio's capture adds, under any
 * configuration: a jump to an Istio chain, an excluded/reroute interface RETURN, or the TPROXY
 * mark plumbing in mangle. Matching the shape (not this run's values) lets a reconcile or
 * cleanup remove what an earlier run with other flags left. In a pod's namespace nothing else
 * puts such rules in these chains.
 */
export function isIstioBuiltinRule(table: string, line: string): boolean {
  const target = savedTarget(line);
  if (target !== undefined && isIstio(target)) return true;
  if (table === 'mangle' && (target === 'CONNMARK' || target === 'MARK')) return true;
  if (target !== 'RETURN' || (table !== 'nat' && table !== 'mangle')) return false;
  const matches = line.replace(/^-A \S+ /, '').replace(/ -j RETURN$/, '');
  return /^-[io] \S+$/.test(matches) || /^-o lo -p tcp -m mark --mark \S+$/.test(matches);
}

/** `-D` lines (newest first) for the Istio rules in built-in chains of one live table. */
function removalLines(table: string, live: TableState | undefined): string[] {
  return [...(live?.rules ?? [])]
    .reverse()
    .filter((r) => BUILTIN.has(r.chain) && isIstioBuiltinRule(table, r.line))
    .map((r) => r.line.replace(/^-A /, '-D '));
}

/**
 * Restore sections removing every Istio rule and chain seen live, whatever configuration
 * created them (`rollbackSections` removes exactly what this model added instead).
 */
export function planCleanup(state: IptablesState): RestoreSection[] {
  const sections: RestoreSection[] = [];
  for (const [table, live] of state) {
    const chains = [...live.chains].filter(isIstio);
    const lines = [...removalLines(table, live), ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`)];
    if (lines.length > 0) sections.push({ table, lines });
  }
  return sections;
}

/**
 * Restore sections replacing the live Istio rules with the model's, one atomic commit per
 * table: remove Istio jumps, flush Istio chains, delete the ones the model no longer has,
 * create the new ones, add the rules.
 */
export function planReconcile(set: RuleSet, family: Family, state: IptablesState): RestoreSection[] {
  const expected = rulesByTable(set, family);
  const tables = [...new Set<string>([...state.keys(), ...expected.keys()])].sort();
  const sections: RestoreSection[] = [];
  for (const table of tables) {
    const live = state.get(table);
    const liveChains = [...(live?.chains ?? [])].filter(isIstio);
    const list = expected.get(table as Table) ?? [];
    const wanted = declaredChains(list);
    if (liveChains.length === 0 && list.length === 0) continue;
    sections.push({
      table,
      lines: [
        ...removalLines(table, live),
        ...liveChains.map((c) => `-F ${c}`),
        ...liveChains.filter((c) => !(wanted as string[]).includes(c)).map((c) => `-X ${c}`),
        ...wanted.filter((c) => !liveChains.includes(c)).map((c) => `-N ${c}`),
        ...list.map((r) => ruleLine(r)),
      ],
    });
  }
  return sections;
}

/** The line number iptables-restore reports for a failure (both the legacy and nft variants). */
export function failedLine(stderr: string): number | undefined {
  const m = /line:? (\d+)/.exec(stderr);
  return m?.[1] ? Number(m[1]) : undefined;
}

/**
 * How many sections of `sectionsText` the kernel committed before failing at `lineNumber`
 * (iptables-restore commits table by table); undefined when the line is not in the input.
 */
export function committedBefore(sections: readonly RestoreSection[], lineNumber: number): number | undefined {
  let first = 1;
  for (let i = 0; i < sections.length; i++) {
    const last = first + (sections[i]?.lines.length ?? 0) + 1;
    if (lineNumber >= first && lineNumber <= last) return i;
    first = last + 1;
  }
  return undefined;
}
