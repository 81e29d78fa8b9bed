// The `sidecar-kit` single executable (scripts/build-executable.mjs: the CLI in one file started
// from a V8 snapshot) against the bundle it is made from: same output, same errors, same exit
// codes, from a directory without node_modules and an environment without Node settings.
// SK_EXECUTABLE=<path> tests a given executable; otherwise it is built here (its build time is
// printed: ~10 s warm).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { istiodEnv, manifest, meshOverlay } from '../oracle/arbitraries.js';
import { cliPath, root } from '../support/artefacts.js';

const node = execFileSync(process.execPath, [join(root, 'scripts', 'node-lts.mjs')], { encoding: 'utf8' }).trim();
const shop = join(root, 'examples', 'shop.yaml');

describe('the sidecar-kit single executable', () => {
  let exe = process.env.SK_EXECUTABLE ?? '';
  let built: string | undefined;
  let work = '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sk-e2e-exe-'));
    if (!exe) {
      built = mkdtempSync(join(tmpdir(), 'sk-e2e-exe-build-'));
      const t0 = performance.now();
      execFileSync(process.execPath, [join(root, 'scripts', 'build-executable.mjs'), built], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      process.stdout.write(`executable.test: built the single executable in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      exe = join(built, 'bin', 'sidecar-kit');
    }
  });

  afterAll(() => {
    if (built) rmSync(built, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs the executable, and the bundle on the same Node release, with the same arguments, input and bare environment. */
  function both(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
    const run = (cmd: string, argv: string[]) => {
      const r = spawnSync(cmd, argv, { cwd: work, encoding: 'utf8', timeout: 60_000, input: opts.input ?? '', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: work, ...opts.env } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    return { exe: run(exe, args), bundle: run(node, [cliPath(), ...args]) };
  }

  it('injects examples/shop.yaml exactly as the bundle does (output, skip messages, exit code)', () => {
    const r = both(['kube-inject', '-f', shop]);
    expect(r.bundle.status).toBe(0);
    expect(r.bundle.stdout).toContain('name: istio-proxy');
    expect(r.exe).toEqual(r.bundle);
  });

  it('reads settings files and custom templates as the bundle does (JSON values, YAML mesh, a Go template using sprig hashes)', () => {
    const values = join(work, 'values.json');
    writeFileSync(values, JSON.stringify({ global: { proxy: { resources: { requests: { cpu: '50m' } } }, logging: { level: 'default:debug' } } }, null, 2));
    const mesh = join(work, 'mesh.yaml');
    writeFileSync(mesh, 'defaultConfig:\n  holdApplicationUntilProxyStarts: true\ntrustDomain: example.org\n');
    const config = join(work, 'config.yaml');
    writeFileSync(
      config,
      [
        'policy: enabled',
        'defaultTemplates: [sidecar, stamp]',
        'templates:',
        '  stamp: |',
        '    metadata:',
        '      annotations:',
        '        example.org/digest: {{ sha256sum .ObjectMeta.Name | quote }}',
        '',
      ].join('\n'),
    );
    const r = both(['kube-inject', '-f', shop, '--valuesFile', values, '--meshConfigFile', mesh, '--injectConfigFile', config], { env: { ENABLE_NATIVE_SIDECARS: 'false' } });
    expect(r.bundle.stderr).not.toContain('error');
    expect(r.bundle.stdout).toContain('example.org/digest');
    expect(r.bundle.stdout).toContain('cpu: 50m');
    expect(r.exe).toEqual(r.bundle);
  });

  it('reads the manifest from stdin', () => {
    const r = both(['kube-inject', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n' });
    expect(r.bundle.status).toBe(0);
    expect(r.exe).toEqual(r.bundle);
  });

  it.each([
    ['an unknown flag', ['kube-inject', '--bogus', '-f', shop]],
    ['a missing file', ['kube-inject', '-f', '/nonexistent/app.yaml']],
    ['a bad settings file', ['kube-inject', '-f', shop, '--valuesFile', '/dev/null/x']],
    ['a bad environment value', ['kube-inject', '-f', shop]],
    ['an unknown command', ['frobnicate']],
    ['no command', []],
  ])('answers %s with the same error and exit code', (name, args) => {
    const env: Record<string, string> = name === 'a bad environment value' ? { ENABLE_NATIVE_SIDECARS: 'maybe' } : {};
    const r = both(args, { env });
    expect(r.bundle.status).not.toBe(0);
    expect(r.bundle.stderr).toMatch(/error/);
    expect(r.exe).toEqual(r.bundle);
  });

  it('prints the same help and version', () => {
    for (const args of [['--help'], ['--version'], ['kube-inject', '--help'], ['istio-iptables', '--help'], ['check-inject', '--help'], ['tag', '--help']]) {
      const r = both(args);
      expect(r.bundle.status, args.join(' ')).toBe(0);
      expect(r.exe, args.join(' ')).toEqual(r.bundle);
    }
  });

  it('prints the same istio-iptables dry run', () => {
    const r = both(['istio-iptables', '--dry-run', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-b', '*']);
    expect(r.bundle.status).toBe(0);
    expect(r.bundle.stdout).toContain('ISTIO_REDIRECT');
    // The last line reports the run's own duration.
    const timeless = (o: typeof r.exe) => ({ ...o, stdout: o.stdout.replace(/done in \d+(?:\.\d+)? ms/, 'done in N ms') });
    expect(timeless(r.exe)).toEqual(timeless(r.bundle));
  });

  it('says where the in-cluster commands run instead of failing on a missing file', () => {
    for (const cmd of ['webhook', 'cni-install']) {
      const r = both([cmd, '--help']).exe;
      expect(r.status, cmd).toBe(2);
      expect(r.stderr, cmd).toMatch(new RegExp(`${cmd} is not part of the single executable`));
    }
  });

  it('answers generated manifests, mesh configs and environments exactly as the bundle does (the oracle\'s generators)', () => {
    const seed = Number(process.env.SK_EXECUTABLE_SEED ?? Date.now() % 2 ** 31);
    process.stdout.write(`executable.test: generated cases with seed ${seed} (SK_EXECUTABLE_SEED to repeat)\n`);
    const cases = fc.sample(fc.record({ docs: manifest, mesh: meshOverlay, env: istiodEnv }), { numRuns: 24, seed });
    const input = join(work, 'generated.yaml');
    const mesh = join(work, 'generated-mesh.yaml');
    for (const [k, c] of cases.entries()) {
      writeFileSync(input, c.docs.map((d) => stringify(d)).join('---\n'));
      writeFileSync(mesh, c.mesh);
      const args = ['kube-inject', '-f', input, '--meshConfigFile', mesh, ...(c.env.revision ? ['-r', c.env.revision] : [])];
      const r = both(args, { env: { ENABLE_NATIVE_SIDECARS: c.env.native, COMPLIANCE_POLICY: c.env.compliance } });
      expect(r.exe, `case ${k} of seed ${seed}`).toEqual(r.bundle);
    }
  });

  it('needs nothing beside it', () => {
    expect(existsSync(exe)).toBe(true);
    const r = spawnSync(exe, ['kube-inject', '-f', '-'], { cwd: '/', env: {}, input: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n', encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n');
  });
});
