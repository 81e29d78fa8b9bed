import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../cli-kit/convention.js';
import { agentSettings, run, spec } from './install-cli.js';

let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sk-install-cli-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('cni-install merge-conflist', () => {
  it('prints the merge like Go MarshalIndent: sorted keys, 2-space indent, escaped HTML characters', async () => {
    const existing = file('10-x.conf', JSON.stringify({ type: 'ptp', name: 'x', cniVersion: '1.0.0', note: '<a&b>', mtu: 1e21 }));
    const entry = file('entry.json', JSON.stringify({ type: 'istio-cni', name: 'istio-cni', cniVersion: '0.3.1' }));
    expect(await run(['merge-conflist', '--existing', existing, '--plugin-config', entry])).toBe(0);
    expect(out).toBe(
      [
        '{',
        '  "cniVersion": "0.3.1",',
        '  "name": "k8s-pod-network",',
        '  "plugins": [',
        '    {',
        '      "mtu": 1e+21,',
        '      "name": "x",',
        '      "note": "\\u003ca\\u0026b\\u003e",',
        '      "type": "ptp"',
        '    },',
        '    {',
        '      "name": "istio-cni",',
        '      "type": "istio-cni"',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['existing not JSON', '{', '{"type":"istio-cni"}', /--existing: .*not JSON/],
    ['plugin config an array', '{"plugins":[]}', '[]', /plugin configuration must be a JSON object/],
    ['neither type nor plugins', '{"name":"x"}', '{"type":"istio-cni"}', /neither "type"/],
  ])('fails on %s', async (_n, a, b, msg) => {
    expect(await run(['merge-conflist', '--existing', file('a.json', a), '--plugin-config', file('b.json', b)])).toBe(1);
    expect(err).toMatch(msg);
  });
});

describe('cni-install settings', () => {
  it.each([
    [['--kube-api-server', 'nope'], {}, /^error: --kube-api-server: must be a URL/],
    [['--kube-api-server', 'https://h:1', '--plugin-log-level', 'loud'], {}, /^error: --plugin-log-level: expected one of debug/],
    [['--kube-api-server', 'https://h:1', '--pod-lookup-attempts', '0'], {}, /^error: --pod-lookup-attempts: expected a whole number from 1 to 600/],
    [['--kube-api-server', 'https://h:1'], { POD_LOOKUP_ATTEMPTS: 'many' }, /^error: POD_LOOKUP_ATTEMPTS \(--pod-lookup-attempts\): "many": expected a whole number/],
    [['--kube-api-server', 'https://h:1'], { CHAINED_CNI_PLUGIN: 'perhaps' }, /^error: CHAINED_CNI_PLUGIN \(--chained-cni-plugin\): "perhaps": expected true or false/],
    [['--kube-api-server', 'https://h:1'], { LOG_LEVEL: 'loud' }, /^error: LOG_LEVEL \(--log-level\): "loud": expected one of debug/],
    [[], { KUBERNETES_SERVICE_HOST: '' }, /^error: --kube-api-server is required outside a pod/],
    [['--once', '--once=false'], {}, /^error: flag --once given twice/],
    [['--kube-api-server', 'https://h:1', 'extra'], {}, /^error: unexpected argument "extra"/],
    [['--kube-api-server', 'https://h:1', '--repair-label-pods=true'], { REPAIR_DELETE_PODS: 'true' }, /^error: --repair-delete-pods and --repair-label-pods are exclusive/],
    [['--kube-api-server', 'https://h:1', '--repair-qps', '0'], {}, /^error: --repair-qps: must be greater than 0/],
    [['--kube-api-server', 'https://h:1'], { REPAIR_QPS: 'fast' }, /^error: REPAIR_QPS \(--repair-qps\): "fast": expected a number/],
    [['--kube-api-server', 'https://h:1'], { REPAIR_INIT_CONTAINER_EXIT_CODE: '300' }, /^error: REPAIR_INIT_CONTAINER_EXIT_CODE \(--repair-init-container-exit-code\): expected a whole number from 0 to 255/],
    [['--kube-api-server', 'https://h:1', '--monitoring-port', '70000'], {}, /^error: --monitoring-port: expected a whole number from 0 to 65535/],
  ] as const)('%j %j is refused naming the flag or variable', async (args, env, msg) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    expect(await run(args)).toBe(2);
    expect(err).toMatch(msg);
  });
});

describe('cni-install node agent settings', () => {
  const settings = (args: string[], env: Record<string, string> = {}) => agentSettings(parseArgs(args, spec.flags), env);

  it("Istio's REPAIR_* variables, the node name from the downward API", () => {
    const a = settings([], { NODE_NAME: 'n1', REPAIR_INIT_CONTAINER_NAME: 'check', REPAIR_INIT_CONTAINER_EXIT_CODE: '0', REPAIR_LABEL_SELECTORS: 'team=a', REPAIR_QPS: '0.5' });
    expect(a).toMatchObject({ nodeName: 'n1', monitoringPort: 15014, keepPluginOnRestart: true, removeNodeTaint: false, repair: { enabled: true, mode: 'delete', initContainerName: 'check', initExitCode: 0, labelSelectors: 'team=a', qps: 0.5, burst: 10 } });
  });

  it.each([
    [[], 'delete'],
    [['--repair-label-pods=true'], 'label'],
    [['--repair-label-pods', 'true', '--repair-delete-pods=false'], 'label'],
    [['--repair-delete-pods=false'], 'none'],
    [['--repair-delete-pods=false', '--repair-label-pods=false'], 'none'],
  ] as const)('%j: repair mode %s', (args, mode) => {
    expect(settings([...args]).repair.mode).toBe(mode);
  });
});
