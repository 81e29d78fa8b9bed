/**
 * Renders a command's help from its `CommandSpec`, the same layout for every command:
 * usage, description, subcommands, flags (placeholder, default, environment variables),
 * environment, examples, exit codes. Loaded only for `--help` / `sidecar-kit help <cmd>`.
 */
import { HELP_FLAG, type CommandSpec, type FlagSpec } from './convention.js';

/** Flag column width; longer flags put their text on the next line. */
const MAX_COLUMN = 34;
/** Help text is wrapped to this many columns. */
const PAGE_WIDTH = 100;
const INDENT = '  ';

function flagColumn(f: FlagSpec): string {
  return `${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ` ${f.value}` : ''}`;
}

function flagText(f: FlagSpec): string {
  const parts = [f.help];
  if (f.default !== undefined) parts.push(`(default ${f.default === '' ? '""' : f.default})`);
  if (f.env && f.env.length > 0) parts.push(`[env ${f.env.join(', ')}]`);
  return parts.join(' ');
}

/** Lines of at most `width` characters, broken at spaces outside `[…]` and `(…)` (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.match(/\[[^\]]*\]|\(default [^)]*\)|\S+/g) ?? []) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/**
 * Two columns: the left padded to a shared width (or alone on its line when longer), the text
 * wrapped to the page width and continued under itself.
 */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(MAX_COLUMN, Math.max(0, ...rows.map(([l]) => l.length)));
  const pad = `${INDENT}${' '.repeat(width)}  `;
  return rows.map(([left, text]) => {
    const [first = '', ...rest] = wrap(text, Math.max(PAGE_WIDTH - pad.length, 40));
    const head = left.length <= width ? `${INDENT}${left.padEnd(width)}  ${first}` : `${INDENT}${left}\n${pad}${first}`;
    return [head, ...rest.map((l) => `${pad}${l}`)].join('\n');
  });
}

export function renderHelp(spec: CommandSpec): string {
  const prefix = spec.name ? `sidecar-kit ${spec.name}` : 'sidecar-kit';
  const out: string[] = [];
  const [first, ...more] = spec.usage;
  out.push(`Usage: ${prefix}${first ? ` ${first}` : ''}`);
  for (const u of more) out.push(`       ${prefix} ${u}`);
  out.push('', spec.description ?? spec.summary);
  if (spec.subcommands && spec.subcommands.length > 0) {
    out.push('', 'Subcommands:', ...table(spec.subcommands.map((s) => [s.name, s.summary])));
  }
  const flags = [...spec.flags, HELP_FLAG];
  const groups = new Map<string, FlagSpec[]>();
  for (const f of flags) {
    const heading = f.group ?? 'Flags';
    groups.set(heading, [...(groups.get(heading) ?? []), f]);
  }
  // One width for every flag group, so the columns line up down the page.
  const rows = table(flags.map((f) => [flagColumn(f), flagText(f)]));
  const rowOf = new Map(flags.map((f, i) => [f, rows[i] as string]));
  for (const [heading, list] of groups) out.push('', `${heading}:`, ...list.map((f) => rowOf.get(f) as string));
  if (spec.environment && spec.environment.length > 0) {
    out.push('', 'Environment:', ...table(spec.environment.map((e) => [e.name, e.default !== undefined ? `${e.help} (default ${e.default})` : e.help])));
  }
  out.push('', 'Examples:');
  for (const e of spec.examples) out.push(`${INDENT}# ${e.comment}`, `${INDENT}${e.command}`, '');
  out.pop();
  const codes = [
    { code: 0, meaning: 'success' },
    { code: 1, meaning: 'failure (a file, the kernel, the network or an input document)' },
    { code: 2, meaning: 'usage error (unknown, repeated or missing flag, bad flag or environment value)' },
    ...(spec.exitCodes ?? []),
  ];
  out.push('', 'Exit codes:', ...table(codes.map((c) => [String(c.code), c.meaning])));
  return `${out.join('\n')}\n`;
}
