/**
 * Reading live iptables state (`iptables-save` output) against the rule model, and planning
 * the restore input that cleans it up or reconciles it. Pure: the executor runs the commands.
 *
 * Restore input is planned as sections (one table each, committed by the kernel at its
 * `COMMIT`), with some lines marked optional: a `-D` of a rule that may not exist. When
 * `iptables-restore` fails on an optional line the executor drops it and retries the tables not
 * yet committed, so a cleanup removes everything that is there without knowing exactly what is.
 */
import { declaredChains, ruleLine, rulesByTable, type RestoreLine, type RestoreSection } from './iptables.js';
import { isBuiltinChain, jumpTarget, type Family, type RuleSet, type Table } from './model.js';

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

/** Removal lines for one table: Istio jumps seen live, the model's other built-in chain rules. */
function removalLines(set: RuleSet, family: Family, table: string, live: TableState | undefined): RestoreLine[] {
  const lines: RestoreLine[] = [];
  for (const r of [...(live?.rules ?? [])].reverse()) {
    const target = savedTarget(r.line);
    if (BUILTIN.has(r.chain) && target && isIstio(target)) lines.push({ text: r.line.replace(/^-A /, '-D ') });
  }
  const model = (rulesByTable(set, family).get(table as Table) ?? []).filter((r) => isBuiltinChain(r.rule.chain) && !jumpTarget(r.spec)).reverse();
  for (const r of model) lines.push({ text: ruleLine(r, 'D'), optional: true });
  return lines;
}

/** Restore sections removing every Istio chain and jump (plus the model's other rules) seen live. */
export function planCleanup(set: RuleSet, family: Family, state: IptablesState): RestoreSection[] {
  const sections: RestoreSection[] = [];
  for (const [table, live] of state) {
    const chains = [...live.chains].filter(isIstio);
    const lines = [...removalLines(set, family, table, live), ...chains.map((c) => ({ text: `-F ${c}` })), ...chains.map((c) => ({ text: `-X ${c}` }))];
    if (chains.length > 0 || lines.length > 0) sections.push({ table, lines });
  }
  return sections.filter((s) => s.lines.length > 0);
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
        ...removalLines(set, family, table, live),
        ...liveChains.map((c) => ({ text: `-F ${c}` })),
        ...liveChains.filter((c) => !(wanted as string[]).includes(c)).map((c) => ({ text: `-X ${c}` })),
        ...wanted.filter((c) => !liveChains.includes(c)).map((c) => ({ text: `-N ${c}` })),
        ...list.map((r) => ({ text: ruleLine(r) })),
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

export interface RestoreFailure {
  /** Sections committed before the failing one. */
  readonly committed: number;
  /** Index of the failing section and line within it (undefined: the header or COMMIT). */
  readonly section: number;
  readonly line?: number;
}

/** Maps an iptables-restore failure line number to the sections of `sectionsText`. */
export function locateFailure(sections: readonly RestoreSection[], lineNumber: number): RestoreFailure | undefined {
  let first = 1;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i] as RestoreSection;
    const last = first + s.lines.length + 1;
    if (lineNumber >= first && lineNumber <= last) {
      const idx = lineNumber - first - 1;
      return { committed: i, section: i, ...(idx >= 0 && idx < s.lines.length ? { line: idx } : {}) };
    }
    first = last + 1;
  }
  return undefined;
}
