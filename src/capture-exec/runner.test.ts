import { describe, expect, it } from 'vitest';
import { ProcessRunner, RecordingRunner } from './runner.js';

// Real processes (sh, cat), no double: the result mapping is what the executor relies on.
describe('ProcessRunner', () => {
  it.each<[string, string[], string | undefined, { code: number; stdout?: string; stderr?: RegExp }]>([
    ['exit status, stdout and stderr', ['sh', '-c', 'echo out; echo err >&2; exit 3'], undefined, { code: 3, stdout: 'out\n', stderr: /^err\n$/ }],
    ['stdin is handed over', ['cat'], 'a\nb\n', { code: 0, stdout: 'a\nb\n' }],
    ['no stdin: the child reads end of file at once', ['cat'], undefined, { code: 0, stdout: '' }],
    ['a child that exits without reading its input keeps its own status (EPIPE)', ['sh', '-c', 'exit 4'], 'x'.repeat(1 << 20), { code: 4 }],
    ['a missing binary is 127 with the reason', ['/nonexistent/sk-binary'], undefined, { code: 127, stderr: /ENOENT/ }],
    ['a child killed by a signal is a failure', ['sh', '-c', 'kill -9 $$'], undefined, { code: 1 }],
  ])('%s', async (_name, argv, stdin, want) => {
    const runner = new ProcessRunner();
    const r = await runner.run({ argv, ...(stdin === undefined ? {} : { stdin }) });
    expect(r.code).toBe(want.code);
    if (want.stdout !== undefined) expect(r.stdout).toBe(want.stdout);
    if (want.stderr) expect(r.stderr).toMatch(want.stderr);
    expect(runner.spawned).toBe(1);
  });

  it('passes extra environment variables on top of the process environment', async () => {
    const r = await new ProcessRunner().run({ argv: ['sh', '-c', 'echo "$SK_RUNNER_TEST:${PATH:+path}"'], env: { SK_RUNNER_TEST: 'x' } });
    expect(r.stdout).toBe('x:path\n');
  });
});

describe('RecordingRunner', () => {
  it('records commands and renders Istio’s dry-run transcript', async () => {
    const rec = new RecordingRunner((c) => (c.argv[0] === 'iptables-save' ? { stdout: 'saved' } : undefined));
    expect((await rec.run({ argv: ['iptables-save'] })).stdout).toBe('saved');
    await rec.run({ argv: ['iptables-restore', '--noflush'], stdin: '* nat\nCOMMIT\n' });
    expect(rec.transcript()).toBe('iptables-save\n* nat\nCOMMIT\n');
  });
});
