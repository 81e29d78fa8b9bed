/**
 * The command-line convention (docs/cli.md), walked over every command through the real
 * dispatch: `--help` and `help <cmd>` print the same help (usage line, every flag with its
 * placeholder and default, examples, exit codes) on stdout with exit 0; an unknown flag, a
 * repeated flag and a bad environment value exit 2 with one `error:` line and a pointer to the
 * help; a missing input file exits 1 with `error: <flag as typed>: <path>: no such file`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentConfigSchema, installConfigSchema } from '../core/config/cni.js';
import { spec as coverageSpec } from '../coverage/command.js';
import { spec as preflightSpec } from '../coverage/preflight-command.js';
import { mergeSpec, spec as cniInstallSpec, AGENT_FLAGS, INSTALL_FLAGS } from '../cni/install-cli.js';
import { spec as cniRulesSpec } from '../cni/rules-cli.js';
import { spec as istioIptablesSpec } from '../init/flags.js';
import { spec as checkInjectSpec } from '../checkinject/command.js';
import { spec as kubeInjectSpec } from '../kubeinject/command.js';
import { spec as kubeUninjectSpec } from '../kubeinject/uninject-command.js';
import { spec as tagSpec } from '../tag/command.js';
import { FLAGS as WEBHOOK_FLAGS, spec as webhookSpec } from '../webhook/options.js';
import { commands } from './commands.js';
import type { CommandSpec } from '../cli-kit/convention.js';
import { runCli } from './dispatch.js';
import { spec as versionSpec } from './version-command.js';
import { VERSION } from './version.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

// Loading the command modules (the webhook's pulls in fastify, pino, the Kubernetes client)
// takes seconds on a busy machine through vitest's transform; it is not what these tests time.
beforeAll(async () => {
  for (const c of commands) await c.load();
}, 120_000);

const dir = mkdtempSync(join(tmpdir(), 'sk-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const MISSING = '/nonexistent-sk-dir/missing.yaml';

/** Every command and subcommand, with its spec and argv prefix. */
const SPECS: readonly { argv: string[]; spec: CommandSpec }[] = [
  { argv: ['kube-inject'], spec: kubeInjectSpec },
  { argv: ['kube-uninject'], spec: kubeUninjectSpec },
  { argv: ['check-inject'], spec: checkInjectSpec },
  { argv: ['tag'], spec: tagSpec },
  { argv: ['webhook'], spec: webhookSpec },
  { argv: ['istio-iptables'], spec: istioIptablesSpec },
  { argv: ['cni-install'], spec: cniInstallSpec },
  { argv: ['cni-install', 'merge-conflist'], spec: mergeSpec },
  { argv: ['cni-rules'], spec: cniRulesSpec },
  { argv: ['coverage'], spec: coverageSpec },
  { argv: ['preflight'], spec: preflightSpec },
  { argv: ['version'], spec: versionSpec },
];

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  out = '';
  err = '';
  const code = await runCli(argv);
  return { code, out, err };
};

describe('the command table', () => {
  it('has a spec for every command', () => {
    expect(commands.map((c) => c.name).sort()).toEqual([...new Set(SPECS.map((s) => s.argv[0]))].sort());
    for (const c of commands) expect(SPECS.find((s) => s.argv[0] === c.name)?.spec.summary, c.name).toBe(c.summary);
  });
});

describe.each(SPECS.map((s) => ({ ...s, name: s.argv.join(' ') })))('sidecar-kit $name', ({ argv, spec, name }) => {

  it('--help: usage, every flag with placeholder and default, examples, exit codes', async () => {
    const r = await run([...argv, '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.startsWith(`Usage: sidecar-kit ${name}`)).toBe(true);
    const flat = r.out.replace(/\n {4,}/g, ' ');
    for (const f of spec.flags) {
      const column = `${f.short ? `-${f.short}, ` : ''}--${f.long}${f.value ? ` ${f.value}` : ''}`;
      expect(flat, column).toContain(column);
      if (f.default !== undefined) expect(flat, `${f.long} default`).toContain(`(default ${f.default === '' ? '""' : f.default})`);
      for (const e of f.env ?? []) expect(flat, `${f.long} env`).toContain(e);
    }
    expect(r.out).toContain('-h, --help');
    expect(r.out).toMatch(/\nExamples:\n {2}# .+\n {2}sidecar-kit /);
    expect(r.out).toMatch(/\nExit codes:\n {2}0 +success\n {2}1 +failure.*\n {2}2 +usage error/);
    for (const s of spec.subcommands ?? []) expect(r.out).toMatch(new RegExp(`\\nSubcommands:\\n(.*\\n)*? {2}${s.name} `));
    for (const line of r.out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(130);
  });

  it('help <cmd> prints the same help', async () => {
    const direct = (await run([...argv, '--help'])).out;
    const r = await run(['help', ...argv]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(direct);
    expect((await run([...argv, '-h'])).out).toBe(direct);
  });

  it('an unknown flag is a usage error (exit 2) naming it', async () => {
    const r = await run([...argv, '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`error: unknown flag: --no-such-flag\nRun 'sidecar-kit ${name} --help' for usage.\n`);
  });

  it('a flag taking one value may not be repeated (exit 2)', async () => {
    const f = spec.flags.find((x) => x.value);
    if (!f) return; // `version` has no flags
    const r = await run([...argv, `--${f.long}`, 'a', `--${f.long}`, 'b']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: flag (-${f.short}/)?--${f.long} given twice \\("a", then "b"\\): it takes one value\\n`));
  });
});

describe('a missing input file exits 1 naming the flag as typed', () => {
  const pod = file('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: a}]\n');
  const entry = file('entry.json', '{"type": "istio-cni"}');
  it.each<[string, string[], Record<string, string>, string]>([
    ['kube-inject -f', ['kube-inject', '-f', MISSING], {}, `-f: ${MISSING}: no such file`],
    ['kube-inject --filename', ['kube-inject', '--filename', MISSING], {}, `--filename: ${MISSING}: no such file`],
    ['kube-uninject -f', ['kube-uninject', '-f', MISSING], {}, `-f: ${MISSING}: no such file`],
    ['kube-inject --valuesFile', ['kube-inject', '-f', pod, '--valuesFile', MISSING], {}, `--valuesFile: ${MISSING}: no such file`],
    ['cni-rules --pod', ['cni-rules', '--pod', MISSING], {}, `--pod: ${MISSING}: no such file`],
    ['cni-install merge-conflist --existing', ['cni-install', 'merge-conflist', '--existing', MISSING, '--plugin-config', entry], {}, `--existing: ${MISSING}: no such file`],
    ['istio-iptables (DRY_RUN_FILE_PATH; it reads no input file)', ['istio-iptables', '-n', '-u', '1337', '--ipv6', 'false'], { DRY_RUN_FILE_PATH: MISSING }, `DRY_RUN_FILE_PATH: ${MISSING}: no such file`],
    ['webhook --tlsCertFile (a start-up error)', ['webhook', '--tlsCertFile', MISSING, '--tlsKeyFile', MISSING, '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1', '--logLevel', 'silent'], {}, `--tlsCertFile: ${MISSING}: no such file`],
    ['coverage --kubeconfig', ['coverage', '--kubeconfig', MISSING], {}, `--kubeconfig: ${MISSING}: no such file`],
    ['coverage (KUBECONFIG)', ['coverage'], { KUBECONFIG: MISSING }, `KUBECONFIG (--kubeconfig): ${MISSING}: no such file`],
    ['preflight --kubeconfig', ['preflight', '--kubeconfig', MISSING], {}, `--kubeconfig: ${MISSING}: no such file`],
    ['webhook --kubeconfig (a start-up error)', ['webhook', '--self-signed', '--kubeconfig', MISSING, '--logLevel', 'silent'], {}, `--kubeconfig: ${MISSING}: no such file`],
  ])('%s', async (_name, argv, env, message) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: ${message}`]);
  });
});

describe('bad environment values are refused like bad flags (exit 2)', () => {
  it.each<[string, string[], Record<string, string>, string]>([
    ['kube-inject', ['kube-inject', '-f', '-'], { ENABLE_NATIVE_SIDECARS: 'bogus' }, 'ENABLE_NATIVE_SIDECARS: "bogus": expected auto, true or false'],
    ['webhook', ['webhook', '--self-signed'], { ENABLE_NATIVE_SIDECARS: 'bogus' }, 'ENABLE_NATIVE_SIDECARS: "bogus": expected auto, true or false'],
    ['webhook', ['webhook', '--self-signed'], { WEBHOOK_PORT: 'http' }, 'WEBHOOK_PORT (--port): must be a port number'],
    ['istio-iptables', ['istio-iptables', '-n', '-u', '1337', '--ipv6', 'false'], { INBOUND_CAPTURE_PORT: 'x' }, 'invalid value "x" for INBOUND_CAPTURE_PORT (flag -z/--inbound-capture-port): expected a port number (1-65535)'],
    ['cni-install', ['cni-install', '--kube-api-server', 'https://h:1'], { NATIVE_NFTABLES: 'maybe' }, 'NATIVE_NFTABLES (--native-nftables): "maybe": expected true or false'],
  ])('%s %j', async (_name, argv, env, message) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${message}\nRun 'sidecar-kit ${argv[0]} --help' for usage.\n`);
  });
});

describe('top level', () => {
  it.each<[string[], number, RegExp]>([
    [[], 2, /error: no command given\n$/],
    [['frobnicate'], 2, /^error: unknown command "frobnicate"\nRun 'sidecar-kit --help' for the list of commands\.\n$/],
    [['--frobnicate'], 2, /^error: unknown flag: --frobnicate\n/],
    [['help', 'frobnicate'], 2, /^error: unknown command "frobnicate"/],
  ])('%j exits %i', async (argv, code, message) => {
    const r = await run(argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('--help and help list every command', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Usage: sidecar-kit <command> [flags]\n       sidecar-kit help <command> [<subcommand>]\n')).toBe(true);
    for (const c of commands) expect(r.out).toContain(`  ${c.name.padEnd(16)}${c.summary}`);
    expect((await run(['help'])).out).toBe(r.out);
  });

  it('--version, -V and version print the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    for (const argv of [['--version'], ['-V'], ['version']]) expect((await run(argv)).out).toBe(`${VERSION}\n`);
  });
});

describe('defaults shown in help are the ones that apply', () => {
  it('cni-install: the schema defaults', () => {
    const defaults = installConfigSchema.parse({ pluginBinary: 'x', kubeApiServer: 'https://h:1' }) as Record<string, unknown>;
    for (const f of INSTALL_FLAGS) {
      if (f.default === undefined || !(f.key in defaults)) continue;
      const d = defaults[f.key];
      expect(f.default, f.long).toBe(Array.isArray(d) ? d.join(',') : String(d));
    }
  });

  it('cni-install, node agent: the schema defaults (the repair mode switches: delete on, label off)', () => {
    const defaults = agentConfigSchema.parse({});
    const at = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
    for (const f of AGENT_FLAGS) {
      if (f.default === undefined) continue;
      if (f.key === '~deletePods') expect([f.default, defaults.repair.mode]).toEqual(['true', 'delete']);
      else if (f.key === '~labelPods') expect(f.default).toBe('false');
      else expect(f.default, f.long).toBe(String(at(f.key)));
    }
  });

  it('webhook: the parsed options without flags', async () => {
    const { parseWebhookOptions } = await import('../webhook/options.js');
    const o = parseWebhookOptions(['--self-signed'], {}) as unknown as Record<string, unknown>;
    for (const f of WEBHOOK_FLAGS) {
      if (f.default === undefined || f.default.includes('<')) continue;
      expect(f.default, f.long).toBe(String(o[f.key]));
    }
  });
});
