/**
 * Masterminds/semver v3 as sprig's `semver` / `semverCompare` use it: lenient version parsing
 * (`v1.2`, `1.2.3-rc.1+meta`) and constraints (`=`, `!=`, `<`, `<=`, `>`, `>=`, `~`, `^`,
 * wildcards `1.2.x`, hyphen ranges `1.2 - 1.4`, `,`/space for AND, `||` for OR). Pre-release
 * versions only satisfy constraints that carry a pre-release themselves.
 */
import { FuncError } from './funcs.js';

export interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly prerelease: string;
  readonly metadata: string;
  readonly original: string;
}

const VERSION_RE = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

export function parseVersion(s: string): Version {
  const m = VERSION_RE.exec(s.trim());
  if (!m) throw new FuncError('Invalid Semantic Version');
  return {
    major: BigInt(m[1] ?? '0'),
    minor: BigInt(m[2] ?? '0'),
    patch: BigInt(m[3] ?? '0'),
    prerelease: m[4] ?? '',
    metadata: m[5] ?? '',
    original: s,
  };
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (nx !== ny) {
      return nx ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return comparePre(a.prerelease, b.prerelease);
}

type Check = (v: Version) => boolean;

interface Bound {
  readonly v: Version;
  /** Number of explicit numeric parts (wildcards count as absent). */
  readonly parts: number;
}

function parseBound(s: string): Bound {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(s);
  if (!m) throw new FuncError(`improper constraint: ${s}`);
  const nums = [m[1], m[2], m[3]];
  let parts = 0;
  for (const n of nums) {
    if (n === undefined || !/^\d+$/.test(n)) break;
    parts++;
  }
  const val = (i: number): string => (i < parts ? (nums[i] as string) : '0');
  return { v: parseVersion(`${val(0)}.${val(1)}.${val(2)}${m[4] ?? ''}`), parts };
}

function bump(v: Version, part: number): Version {
  if (part === 0) return { ...v, major: v.major + 1n, minor: 0n, patch: 0n, prerelease: '' };
  if (part === 1) return { ...v, minor: v.minor + 1n, patch: 0n, prerelease: '' };
  return { ...v, patch: v.patch + 1n, prerelease: '' };
}

function range(lo: Version, hi: Version | undefined): Check {
  return (v) => compareVersions(v, lo) >= 0 && (hi === undefined || compareVersions(v, hi) < 0);
}

function single(op: string, text: string): Check {
  const b = parseBound(text);
  const { v, parts } = b;
  const cmp = (x: Version): number => compareVersions(x, v);
  switch (op) {
    case '':
    case '=':
      return parts === 3 ? (x) => cmp(x) === 0 : range(v, parts === 0 ? undefined : bump(v, parts - 1));
    case '!=':
      return parts === 3 ? (x) => cmp(x) !== 0 : (x) => !range(v, parts === 0 ? undefined : bump(v, parts - 1))(x);
    case '>':
      return parts === 3 ? (x) => cmp(x) > 0 : parts === 0 ? () => false : (x) => compareVersions(x, bump(v, parts - 1)) >= 0;
    case '<':
      return (x) => cmp(x) < 0;
    case '>=':
    case '=>':
      return (x) => cmp(x) >= 0;
    case '<=':
    case '=<':
      return parts === 3 ? (x) => cmp(x) <= 0 : (x) => parts === 0 || compareVersions(x, bump(v, parts - 1)) < 0;
    case '~':
    case '~>':
      return range(v, parts <= 1 ? bump(v, 0) : bump(v, 1));
    case '^':
      if (v.major > 0n || parts === 1) return range(v, bump(v, 0));
      if (v.minor > 0n || parts === 2) return range(v, bump(v, 1));
      return range(v, bump(v, 2));
    default:
      throw new FuncError(`improper constraint: ${op}${text}`);
  }
}

/** semver.NewConstraint(c).Check(version). */
export function semverCheck(constraint: string, version: string): boolean {
  const v = parseVersion(version);
  const groups = constraint.split('||').map((g) => g.trim());
  return groups.some((group) => {
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(group);
    const checks: { check: Check; pre: boolean }[] = [];
    if (hyphen) {
      const lo = hyphen[1] as string;
      const hi = hyphen[2] as string;
      checks.push({ check: single('>=', lo), pre: lo.includes('-') }, { check: single('<=', hi), pre: hi.includes('-') });
    } else {
      const tokens = group.replace(/(>=|<=|=>|=<|!=|~>|[<>=~^])\s+/g, '$1').split(/[\s,]+/).filter((s) => s !== '');
      if (tokens.length === 0) throw new FuncError(`improper constraint: ${constraint}`);
      for (const tok of tokens) {
        const m = /^(>=|<=|=>|=<|!=|~>|[<>=~^])?(.*)$/.exec(tok);
        const op = m?.[1] ?? '';
        const text = m?.[2] ?? '';
        checks.push({ check: single(op, text), pre: text.includes('-') });
      }
    }
    return checks.every(({ check, pre }) => (v.prerelease !== '' && !pre ? false : check(v)));
  });
}
