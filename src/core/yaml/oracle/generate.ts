/**
 * Seeded generators of awkward inputs for the differential test against the Go oracle: strings
 * built from YAML indicator characters, YAML 1.1 look-alikes, line breaks, special code points
 * and long texts that cross the 80-column folding width; maps with keys that stress go-yaml's
 * key order and the 128-byte simple-key limit; YAML documents with 1.1 scalars, tags and merges.
 */

/** mulberry32: small, seedable, full 32-bit period (integer arithmetic only). */
export class Rng {
  constructor(private seed: number) {}
  next(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const FRAGMENTS = [
  'a', 'word', 'Hello', '0', '1', '12', ' ', ' ', '  ', ':', ': ', ' #', '#', '-', '- ', '?', '? ', ',', '[', ']', '{', '}',
  '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\n', '\n', '\t', '\r', 'é', '中', '😀', '\u2028', '\u0085',
  '\ufeff', '\u00a0', '---', '...', '\\', '/', '.', '_', 'e', '+', 'yes', 'null', '~', '0x', 'true', '\u0001',
];
const LOOKALIKES = [
  '', 'yes', 'No', 'ON', 'off', 'y', 'n', '~', 'null', 'NULL', '0x1F', '0o17', '0b101', '017', '08', '1e3', '.5', '-.5',
  '+1', '-1', '1_000', '_1', '.inf', '-.Inf', '.nan', '1:20', '1:60', '2024-01-01', '2024-02-30', '2001-12-14 21:59:43.10',
  '2001-12-14t21:59:43.10-05:00', '12345', '-', '?', ':', '-a', ':a', 'a:', 'a: b', 'a #b', '<<', '1.2.3', '1e400', '.',
  '+', '-0', '18446744073709551615', '18446744073709551616', 'True', 'tRUE', '---', '...', '|', '>', 'a\n', '\n', ' a',
  'a ', 'a\n b', 'a \nb', 'a\n\n', '0b-10', '0b+1', '.0_1', '._1', '1__0.5', '0x_1F', '-0b101', '+.5', '1e+3', '0o8', '0B1', '1e1_0',
];
const KEY_PARTS = ['a', 'A', 'b', '_', '-', '.', '/', '0', '1', '9', '10', '00', 'Z', 'z', 'é', 'É', '中', '~', '`', '[', ':', ' ', 'ß', '٣'];

export function awkwardString(r: Rng): string {
  const roll = r.next();
  if (roll < 0.3) return r.pick(LOOKALIKES);
  if (roll < 0.5) {
    let s = '';
    const n = 70 + r.int(130);
    while (s.length < n) s += r.pick(['a', 'bb', 'ccc', 'dddddddd', ' ', ' ', '  ', '"', "'", '#', ':', '\\', 'é', '\t', '\n']);
    return s;
  }
  let s = '';
  const n = r.int(r.next() < 0.3 ? 60 : 12);
  for (let i = 0; i < n; i++) s += r.next() < 0.5 ? r.pick(['word', 'ab', 'lorem', ' ', ' ']) : r.pick(FRAGMENTS);
  return s;
}

function awkwardKey(r: Rng): string {
  const roll = r.next();
  if (roll < 0.1) return 'k'.repeat(100 + r.int(40));
  if (roll < 0.15) return 'é'.repeat(60 + r.int(10));
  if (roll < 0.6) return Array.from({ length: 1 + r.int(5) }, () => r.pick(KEY_PARTS)).join('');
  return awkwardString(r);
}

const NUMBERS = [0, 1, -1, 0.5, 1e21, 1e20, 1e-7, 123456789, 1234567.5, 0.0001, 0.00001, 1e6, 1e300, -2.5e-10, 2 ** 53, 2 ** 63, 2 ** 64, 100];

export function awkwardValue(r: Rng, depth = 0): unknown {
  const roll = r.next();
  if (depth > 3 || roll < 0.5) {
    const t = r.next();
    return t < 0.75 ? awkwardString(r) : t < 0.88 ? r.pick(NUMBERS) : t < 0.95 ? r.next() < 0.5 : null;
  }
  if (roll < 0.75) return Array.from({ length: r.int(4) }, () => awkwardValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = r.int(6); i > 0; i--) out[awkwardKey(r)] = awkwardValue(r, depth + 1);
  return out;
}

const SCALARS = [
  'yes', 'No', 'ON', 'off', 'y', 'n', '~', 'null', '', '0x1F', '0o17', '0b101', '017', '08', '0777', '1e3', '.5', '+1', '1_000',
  '1:20', '2024-01-01', '12345', '-12', '3.0', '1.', '1e400', 'True', 'hello', 'a b', '"quoted"', "'single'", '!!str 12',
  '!!int "12"', '!!float 3', '!!binary aGVsbG8=', '!foo bar', '<<', '"<<"', '|\n  lit\n  text\n', '>\n  folded\n  text\n\n  para\n',
  '|-\n  x\n', '"a\\tb\\x41"', 'plain\n  continued', '"it\\\'s"',
];
const YAML_KEYS = ['a', 'b', 'yes', 'no', '1', '0x10', '1.5', '1e3', 'true', '"q"', 'on', '2024-01-01', '12.0', '0.1', '-1', '3.14159265358979'];

function yamlValue(r: Rng, depth: number, indent: string): string {
  const roll = r.next();
  if (depth > 2 || roll < 0.55) return ` ${r.pick(SCALARS).replaceAll('\n', `\n${indent}`)}`;
  if (roll < 0.7) return ` [${Array.from({ length: r.int(3) }, () => r.pick(SCALARS).split('\n')[0]).join(', ')}]`;
  if (roll < 0.8) {
    return `\n${Array.from({ length: 1 + r.int(3) }, () => `${indent}-${yamlValue(r, depth + 1, `${indent}  `)}`).join('\n')}`;
  }
  return `\n${yamlMap(r, depth + 1, `${indent}  `)}`;
}

function yamlMap(r: Rng, depth: number, indent: string): string {
  return Array.from({ length: 1 + r.int(4) }, () => `${indent}${r.pick(YAML_KEYS)}:${yamlValue(r, depth, `${indent}  `)}`).join('\n');
}

export function awkwardYaml(r: Rng): string {
  let text = `${yamlMap(r, 0, '')}\n`;
  if (r.next() < 0.2) {
    const merge = r.pick(['*b', '[*b, *o]', '[*o, *b]', '{x: 9}']);
    text = `base: &b\n  x: 1\n  y: 2\nother: &o {y: 3, z: 4}\nm:\n  <<: ${merge}\n  ${r.pick(['x', 'w'])}: 5\n${text}`;
  }
  return text;
}

/**
 * Documents that use aliases heavily, sized around go-yaml's alias budget (decode.go
 * `allowedAliasRatio`): flow lists of maps aliased many times, nested "laughs", merge keys,
 * aliased keys and scalars. About a fifth of them exceed the budget.
 */
export function aliasHeavyYaml(r: Rng): string {
  const list = (n: number, item: string): string => Array.from({ length: n }, () => item).join(', ');
  switch (r.int(5)) {
    case 0:
      return `{a: &a [${list(1 + r.int(1500), '{a}')}], b: &b [${list(r.int(400), '*a')}]}\n`;
    case 1: {
      const fan = 1 + r.int(9);
      let t = 'l0: &l0 [lol]\n';
      for (let j = 1, k = 1 + r.int(8); j <= k; j++) t += `l${j}: &l${j} [${list(fan, `*l${j - 1}`)}]\n`;
      return t;
    }
    case 2: {
      const keys = Array.from({ length: 1 + r.int(300) }, (_, j) => `k${j}: v`).join(', ');
      let t = `base: &b {${keys}}\nitems:\n`;
      for (let j = 0, m = r.int(300); j < m; j++) t += `- <<: *b\n  own: ${j}\n`;
      return t;
    }
    case 3: {
      let t = 'k: &k key\nm: &m {x: 1}\nlist:\n';
      for (let j = 0, n = 1 + r.int(400); j < n; j++) t += `- v${j}\n`;
      t += 'refs:\n';
      for (let j = 0, m = r.int(1200); j < m; j++) t += `  r${j}: [*k, *m, {*k : 1}]\n`;
      return t;
    }
    default:
      return `s: &s [${list(1 + r.int(500), '1')}]\nall: [${list(r.int(600), '*s')}]\nx: {<<: [{a: 1}, {b: 2}]}\n`;
  }
}
