/**
 * Differential test against the real Go libraries istioctl uses (see main.go). It needs Go and
 * Debian's packaged go-yaml v2.4.0 and sigs.k8s.io/yaml sources; without them it is skipped.
 * Cases where both sides fail are not compared message by message: with several problems in one
 * input, which one go-yaml reports first depends on its 512-byte read buffer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goJsonIndent, goJsonMarshal } from '../../format/go-json.js';
import { emitYaml } from '../emit.js';
import { parseYamlDocument } from '../parse.js';
import { Rng, aliasHeavyYaml, awkwardValue, awkwardYaml } from './generate.js';

const GOPATH = '/usr/share/gocode';

/** Build the oracle; null (and the test skipped) when Go or the packaged sources are missing. */
function buildOracle(): string | null {
  if (!existsSync(`${GOPATH}/src/gopkg.in/yaml.v2`) || !existsSync(`${GOPATH}/src/sigs.k8s.io/yaml`)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'yaml-oracle-'));
  const bin = join(dir, 'oracle');
  try {
    execFileSync('go', ['build', '-o', bin, '.'], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'yaml-oracle-gocache') },
      stdio: 'ignore',
    });
    return bin;
  } catch {
    return null;
  }
}

const oracle = buildOracle();

function runOracle(bin: string, mode: string, lines: readonly string[]): string[] {
  const out = execFileSync(bin, [mode], { input: `${lines.join('\n')}\n`, maxBuffer: 1 << 28 });
  return out.toString().trim().split('\n').map((l) => JSON.parse(l) as string);
}

function attempt(fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}

/**
 * go-yaml's key order is not transitive for some key sets (e.g. "9", "00009", "0o17"); Go then
 * sorts keys that come from its random map iteration order differently from run to run. Two
 * documents that differ only in such an order have the same length and the same content.
 */
function sameUpToKeyOrder(a: string, b: string): boolean {
  try {
    return a.length === b.length && goJsonMarshal(parseYamlDocument(a)) === goJsonMarshal(parseYamlDocument(b));
  } catch {
    return false;
  }
}

function mismatches(
  got: readonly string[],
  want: readonly string[],
  inputs: readonly string[],
  equivalent: (a: string, b: string) => boolean = () => false,
): string[] {
  const bad: string[] = [];
  got.forEach((g, i) => {
    const w = want[i] as string;
    if (g !== w && !(g.startsWith('ERR') && w.startsWith('ERR')) && !equivalent(g, w)) bad.push(`input ${inputs[i]}\n want ${JSON.stringify(w)}\n got  ${JSON.stringify(g)}`);
  });
  return bad.slice(0, 3);
}

describe.skipIf(oracle === null)('differential test against go-yaml v2 / sigs.k8s.io/yaml / encoding/json', () => {
  const bin = oracle ?? '';
  const r = new Rng(20240601);
  const values = Array.from({ length: 1500 }, () => ({ k: awkwardValue(r), s: awkwardValue(r) }));
  const valueLines = values.map((v) => JSON.stringify(v));
  const fromJson = (line: string): unknown => JSON.parse(line);

  it('emitYaml = sigs.k8s.io/yaml.Marshal', () => {
    const got = valueLines.map((l) => attempt(() => emitYaml(fromJson(l))));
    expect(mismatches(got, runOracle(bin, 'emit', valueLines), valueLines, sameUpToKeyOrder)).toEqual([]);
  });

  it('goJsonMarshal = json.Marshal and goJsonIndent = json.MarshalIndent', () => {
    // Go < 1.22 writes \b and \f as \u0008 / \u000c; the project follows current Go.
    const old = (s: string): string => s.replaceAll('\\b', '\\u0008').replaceAll('\\f', '\\u000c');
    const finite = valueLines.filter((l) => !l.includes('\\b') && !l.includes('\\f'));
    expect(mismatches(finite.map((l) => old(goJsonMarshal(fromJson(l)))), runOracle(bin, 'json', finite), finite)).toEqual([]);
    expect(mismatches(finite.map((l) => old(goJsonIndent(fromJson(l)))), runOracle(bin, 'indent', finite), finite)).toEqual([]);
  });

  it('parseYamlDocument = sigs.k8s.io/yaml.YAMLToJSON', () => {
    const docs = Array.from({ length: 1500 }, () => awkwardYaml(r));
    const got = docs.map((d) => attempt(() => goJsonMarshal(parseYamlDocument(d))));
    expect(mismatches(got, runOracle(bin, 'parse', docs.map((d) => JSON.stringify(d))), docs)).toEqual([]);
  }, 60_000);

  it('the alias budget refuses exactly what go-yaml refuses ("document contains excessive aliasing")', () => {
    const docs = Array.from({ length: 150 }, () => aliasHeavyYaml(r));
    const want = runOracle(bin, 'parse', docs.map((d) => JSON.stringify(d)));
    const got = docs.map((d) => attempt(() => goJsonMarshal(parseYamlDocument(d))));
    const excessive = (s: string) => s.startsWith('ERR') && s.includes('excessive aliasing');
    const bad = got.flatMap((g, i) => (g === want[i] || (excessive(g) && excessive(want[i] as string)) ? [] : [`${docs[i]?.slice(0, 200)}\n want ${want[i]?.slice(0, 100)}\n got  ${g.slice(0, 100)}`]));
    expect(bad.slice(0, 3)).toEqual([]);
    expect(want.filter(excessive).length).toBeGreaterThan(15); // the budget is exercised
  }, 180_000);
});

describe.skipIf(oracle !== null)('differential test against the Go libraries', () => {
  it.skip('skipped: needs go and the Debian packages golang-gopkg-yaml.v2-dev, golang-k8s-sigs-yaml-dev', () => {});
});
