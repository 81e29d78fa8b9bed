import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './command.js';

let stdout = '';
let stderr = '';
let dir = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  dir = mkdtempSync(join(tmpdir(), 'sk-cmd-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const BASE = ['-p', '15001', '-u', '1337', '--ipv6', 'false'];

describe('sidecar-kit istio-iptables (in process, dry run)', () => {
  it('writes the record to DRY_RUN_FILE_PATH, replacing what the file held', async () => {
    const file = join(dir, 'record');
    writeFileSync(file, 'stale content\n');
    vi.stubEnv('DRY_RUN_FILE_PATH', file);
    expect(await run(['-n', ...BASE, '-b', '*', '-d', '15090'])).toBe(0);
    const record = readFileSync(file, 'utf8');
    expect(record.startsWith('iptables-save\nip6tables-save\n* nat\n')).toBe(true);
    expect(record).toContain('-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN\n');
    expect(record.endsWith('COMMIT\niptables-save\n')).toBe(true);
    expect(stdout).toContain('Running iptables restore (v4) with the following input:');
  });

  it.each<[string[], Record<string, string>, string]>([
    [['-p', 'abc'], {}, 'error: invalid value "abc" for flag -p/--envoy-port: expected a port number (1-65535)'],
    [['-p', '15001', '-p', '15002'], {}, 'error: flag -p/--envoy-port given twice ("15001", then "15002"): it takes one value'],
    [[], { INBOUND_CAPTURE_PORT: '99999' }, 'error: invalid value "99999" for INBOUND_CAPTURE_PORT (flag -z/--inbound-capture-port)'],
    [['-x', '*'], {}, 'error: invalid value "*" for flag -x/--istio-service-exclude-cidr: invalid value for OUTBOUND_IP_RANGES_EXCLUDE'],
    [['--force-iptables-binary', 'iptables'], {}, 'invalid FORCE_IPTABLES_BINARY value "iptables"'],
    [['--ipv6', 'maybe'], {}, 'error: invalid value "maybe" for flag --ipv6: expected auto, true or false'],
    [['--no-such-flag'], {}, 'error: unknown flag: --no-such-flag'],
    [['extra'], {}, 'error: unexpected argument "extra"'],
    [[], { DRY_RUN: 'maybe' }, 'error: invalid value "maybe" for DRY_RUN (flag -n/--dry-run): expected true or false'],
  ])('%j %j is a usage error (exit 2): %s', async (args, env, message) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    // The case's own flags replace those of BASE (a flag may be given once).
    const base = BASE.filter((a, i) => !args.includes(a) && !args.includes(BASE[i - 1] as string));
    expect(await run(['-n', ...base, ...args].filter((a) => a !== '-n' || !('DRY_RUN' in env)))).toBe(2);
    expect(stderr).toContain(message);
  });

  it('prints usage for --help', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(stdout).toContain('-m, --istio-inbound-interception-mode MODE');
  });

  it('names DRY_RUN_FILE_PATH when the record cannot be written', async () => {
    vi.stubEnv('DRY_RUN_FILE_PATH', join(dir, 'missing', 'record'));
    expect(await run(['-n', ...BASE])).toBe(1);
    expect(stderr).toContain(`error: DRY_RUN_FILE_PATH: ${join(dir, 'missing', 'record')}: no such file\n`);
  });
});
