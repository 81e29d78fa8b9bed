import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installConfigSchema, type InstallConfig } from '../core/config/cni.js';
import { goJsonIndent } from '../core/format/go-json.js';
import { installBinary, installConfig, installKubeconfig, findConfFile, uninstall } from './install.js';
import { runInstaller } from './installer.js';
import { memoryLogger } from './log.js';

const render = (v: unknown) => `${goJsonIndent(v)}\n`;
let root: string;
let cfg: InstallConfig;
const deps = () => ({ logger: memoryLogger(), render });
const net = (name: string) => join(cfg.mountedCniNetDir, name);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { plugins: { type: string }[] };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sk-cni-install-'));
  for (const d of ['net.d', 'bin', 'run', 'sa', 'src']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'src/istio-cni'), '#!/bin/sh\necho plugin\n');
  writeFileSync(join(root, 'sa/token'), 'token-1\n');
  writeFileSync(join(root, 'sa/ca.crt'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
  cfg = installConfigSchema.parse({
    mountedCniNetDir: join(root, 'net.d'),
    mountedCniBinDir: join(root, 'bin'),
    cniAgentRunDir: join(root, 'run'),
    serviceAccountDir: join(root, 'sa'),
    pluginBinary: join(root, 'src/istio-cni'),
    kubeApiServer: 'https://192.0.2.1:6443',
    podNamespace: 'istio-system',
    watchDebounceMs: 20,
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('one-shot steps', () => {
  it('copies the executable once, executable, and again only when it differs', () => {
    expect(installBinary(cfg, deps())).toBe(true);
    expect(statSync(join(root, 'bin/istio-cni')).mode & 0o777).toBe(0o755);
    expect(installBinary(cfg, deps())).toBe(false);
    writeFileSync(join(root, 'src/istio-cni'), '#!/bin/sh\necho v2\n');
    expect(installBinary(cfg, deps())).toBe(true);
    expect(readFileSync(join(root, 'bin/istio-cni'), 'utf8')).toContain('v2');
  });

  it('with state, trusts an unchanged target and notices a replaced one', () => {
    const state = {};
    expect(installBinary(cfg, deps(), state)).toBe(true);
    expect(installBinary(cfg, deps(), state)).toBe(false);
    writeFileSync(join(root, 'bin/istio-cni'), 'tampered');
    expect(installBinary(cfg, deps(), state)).toBe(true);
    expect(readFileSync(join(root, 'bin/istio-cni'), 'utf8')).toContain('echo plugin');
  });

  it('writes a private kubeconfig and rewrites it when the token rotates', () => {
    expect(installKubeconfig(cfg, deps())).toBe(true);
    const path = join(root, 'run/istio-cni-kubeconfig');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8')).users[0].user.token).toBe('token-1');
    expect(installKubeconfig(cfg, deps())).toBe(false);
    writeFileSync(join(root, 'sa/token'), 'token-2');
    expect(installKubeconfig(cfg, deps())).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('token-2');
  });

  it('fails clearly without a token', () => {
    rmSync(join(root, 'sa/token'));
    expect(() => installKubeconfig(cfg, deps())).toThrow(/service-account token .*sa\/token/);
  });

  it('wraps a .conf into a .conflist with the same mode and removes the .conf', () => {
    writeFileSync(net('10-bridge.conf'), JSON.stringify({ cniVersion: '1.0.0', name: 'b', type: 'bridge' }));
    chmodSync(net('10-bridge.conf'), 0o640);
    const name = findConfFile(cfg);
    expect(name).toBe('10-bridge.conf');
    expect(installConfig(cfg, name as string, deps())).toBe(net('10-bridge.conflist'));
    expect(readdirSync(cfg.mountedCniNetDir)).toEqual(['10-bridge.conflist']);
    expect(statSync(net('10-bridge.conflist')).mode & 0o777).toBe(0o640);
    expect(readJson(net('10-bridge.conflist')).plugins.map((p) => p.type)).toEqual(['bridge', 'istio-cni']);
    expect(installConfig(cfg, '10-bridge.conflist', deps())).toBeUndefined();
  });

  it('skips invalid files when choosing', () => {
    writeFileSync(net('00-broken.conflist'), '{');
    writeFileSync(net('05-noplugins.conflist'), '{"name":"x"}');
    writeFileSync(net('10-ok.conflist'), JSON.stringify({ name: 'ok', plugins: [{ type: 'ptp' }] }));
    expect(findConfFile(cfg)).toBe('10-ok.conflist');
  });

  it('uninstall removes our entry, the kubeconfig and the executable', () => {
    writeFileSync(net('10-ok.conflist'), JSON.stringify({ name: 'ok', plugins: [{ type: 'ptp' }] }));
    installBinary(cfg, deps());
    installKubeconfig(cfg, deps());
    installConfig(cfg, '10-ok.conflist', deps());
    uninstall(cfg, deps());
    expect(readJson(net('10-ok.conflist')).plugins.map((p) => p.type)).toEqual(['ptp']);
    expect(existsSync(join(root, 'bin/istio-cni'))).toBe(false);
    expect(existsSync(join(root, 'run/istio-cni-kubeconfig'))).toBe(false);
  });
});

describe('runInstaller', () => {
  const until = async (cond: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('waits for a config, re-inserts after a rewrite, cleans up on abort', async () => {
    const ac = new AbortController();
    const running = runInstaller(cfg, deps(), { signal: ac.signal, pollMs: 20, resyncMs: 60_000 });
    await until(() => existsSync(join(root, 'bin/istio-cni')));
    expect(readdirSync(cfg.mountedCniNetDir)).toEqual([]);

    const list = { cniVersion: '1.0.0', name: 'podnet', plugins: [{ type: 'bridge' }, { type: 'portmap' }] };
    writeFileSync(net('10-podnet.conflist'), JSON.stringify(list));
    const ours = () => readJson(net('10-podnet.conflist')).plugins.at(-1)?.type === 'istio-cni';
    await until(ours);

    // Another agent rewrites the file without us.
    writeFileSync(net('10-podnet.conflist'), JSON.stringify(list));
    await until(ours);
    expect(readJson(net('10-podnet.conflist')).plugins.map((p) => p.type)).toEqual(['bridge', 'portmap', 'istio-cni']);

    // Someone deletes our executable.
    rmSync(join(root, 'bin/istio-cni'));
    await until(() => existsSync(join(root, 'bin/istio-cni')));

    ac.abort();
    await running;
    expect(readJson(net('10-podnet.conflist')).plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(existsSync(join(root, 'bin/istio-cni'))).toBe(false);
    expect(existsSync(join(root, 'run/istio-cni-kubeconfig'))).toBe(false);
  });

  it('reports readiness and install results; a restart (beforeUninstall false) leaves the plugin in place', async () => {
    const ac = new AbortController();
    const installed: boolean[] = [];
    const results: string[] = [];
    writeFileSync(net('10-podnet.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', plugins: [{ type: 'bridge' }] }));
    let asked = 0;
    const running = runInstaller(cfg, deps(), {
      signal: ac.signal,
      pollMs: 20,
      resyncMs: 60_000,
      onInstalled: (now) => installed.push(now),
      onInstallResult: (r) => results.push(r),
      beforeUninstall: async () => (asked++, false),
    });
    await until(() => installed.includes(true));
    expect(results).toEqual(['SUCCESS']);
    // Our entry taken out by someone: not ready until the next pass puts it back, counted again.
    writeFileSync(net('10-podnet.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', plugins: [{ type: 'bridge' }] }));
    await until(() => results.length === 2);
    expect(results).toEqual(['SUCCESS', 'SUCCESS']);
    ac.abort();
    await running;
    expect([asked, installed.at(-1)]).toEqual([1, false]);
    expect(readJson(net('10-podnet.conflist')).plugins.map((p) => p.type)).toEqual(['bridge', 'istio-cni']);
    expect(existsSync(join(root, 'bin/istio-cni'))).toBe(true);
    expect(existsSync(join(root, 'run/istio-cni-kubeconfig'))).toBe(true);
  });
});
