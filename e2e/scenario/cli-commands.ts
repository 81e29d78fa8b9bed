/**
 * The cluster-facing commands against the real API server of the journey (issue 15): with the
 * default release `sk` (istio-injection=enabled) and the CNI release `skcni` (revision `cni`)
 * installed, `kube-inject` in cluster mode reads each revision's ConfigMaps and the Nodes,
 * `check-inject` explains the sample's injection, and `tag set/list/remove` moves a namespace
 * between the two revisions, proven by the pods the API server admits; `kube-uninject` takes a
 * Deployment read back from the API server out of the mesh again. A few pods, seconds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cliPath } from '../support/artefacts.js';
import { sh } from '../support/process.js';
import type { Kube } from './provider.js';
import { barePod, deployment, namespace } from './sample.js';

export interface CliCommandsContext {
  readonly kube: Kube;
  readonly kubeconfig: () => string;
  readonly appImage: () => string;
  /** A namespace whose sample runs under the revision `cni` (istio.io/rev=cni). */
  readonly cniNamespace: string;
}

const TAGGED = 'tagged';
/** A namespace no webhook entry selects: what is applied there is what the manifest says. */
const UNINJECTED = 'uninject';

export function describeCliCommands(c: CliCommandsContext): void {
  describe('cluster commands: kube-inject (cluster mode), check-inject, tag, kube-uninject', () => {
    let dir = '';
    const cli = (args: readonly string[]) => {
      const r = sh([process.execPath, cliPath(), ...args, '--kubeconfig', c.kubeconfig()], { timeoutMs: 120_000 });
      return { ...r, json: () => JSON.parse(r.stdout) as unknown };
    };
    const statusRevision = (name: string) => {
      const status = c.kube.kubectl(['get', 'pod', '-n', TAGGED, name, '-o', 'jsonpath={.metadata.annotations.sidecar\\.istio\\.io/status}']).trim();
      return status === '' ? undefined : (JSON.parse(status) as { revision: string }).revision;
    };
    const createPod = (name: string) => c.kube.apply([barePod(TAGGED, name, c.appImage())]);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sk-cli-e2e-'));
      c.kube.apply([namespace(TAGGED, { 'istio.io/rev': 'prod' }), namespace(UNINJECTED, {})]);
    });
    afterAll(() => {
      c.kube.tryKubectl(['delete', 'namespace', TAGGED, UNINJECTED, '--ignore-not-found', '--wait=false']);
      sh([process.execPath, cliPath(), 'tag', 'remove', 'prod', '-y', '--kubeconfig', c.kubeconfig()]);
      rmSync(dir, { recursive: true, force: true });
    });

    it("kube-inject --kubeconfig: each revision's ConfigMaps (-r cni: the CNI release's istio-validation) and native sidecars from the Nodes", () => {
      const file = join(dir, 'pod.yaml');
      writeFileSync(file, JSON.stringify(barePod('x', 'p', 'busybox')));
      const def = cli(['kube-inject', '-f', file]);
      expect(def.stderr).toBe('');
      expect(def.code).toBe(0);
      expect(def.stdout).toMatch(/name: istio-init\n/);
      // The node's kubelet is 1.33+: istio-proxy is a native sidecar (restartable init container).
      expect(def.stdout).toMatch(/name: istio-proxy\n[\s\S]*restartPolicy: Always/);
      const cni = cli(['kube-inject', '-f', file, '-r', 'cni']);
      expect(cni.code).toBe(0);
      expect(cni.stdout).toMatch(/name: istio-validation\n/);
      expect(cni.stdout).toContain('"revision":"cni"');
      // What the webhook itself admits for the same pod in a namespace of that revision.
      const admitted = c.kube.kubectl(['create', '--dry-run=server', '-n', c.cniNamespace, '-o', 'json', '-f', '-'], JSON.stringify(barePod(c.cniNamespace, 'p', 'busybox')));
      const admittedInits = ((JSON.parse(admitted) as { spec: { initContainers?: { name: string }[] } }).spec.initContainers ?? []).map((x) => x.name);
      const injectedInits = ((parseAllDocuments(cni.stdout)[0]?.toJS() as { spec: { initContainers?: { name: string }[] } }).spec.initContainers ?? []).map((x) => x.name);
      expect(admittedInits).toContain('istio-validation');
      expect(injectedInits).toEqual(admittedInits);
      const missing = cli(['kube-inject', '-f', file, '-r', 'nope']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('could not read ConfigMap "istio-sidecar-injector-nope" from namespace "istio-system"');
    });

    it("check-inject explains the sample: the revision's namespace entry for the CNI sample, the opt-out pod label elsewhere", () => {
      const r = cli(['check-inject', 'deploy/frontend', '-n', c.cniNamespace, '-o', 'json']);
      expect(r.code).toBe(0);
      const e = r.json() as { injected: boolean; injectedBy: string[]; webhooks: { name: string; injected: boolean; reason: { code: string }; entries: { entry: string }[]; templates?: string[] }[] };
      expect(e.injectedBy).toHaveLength(1);
      const v = e.webhooks.find((w) => w.injected);
      expect(v).toMatchObject({ reason: { code: 'namespaceRevision' }, entries: [{ entry: 'rev.namespace.sidecar-injector.sidecar-kit.io' }], templates: ['sidecar'] });
      const out = cli(['check-inject', '-n', c.cniNamespace, '-l', 'app=x,sidecar.istio.io/inject=false']);
      expect(out.stdout).toMatch(/^WEBHOOK +REVISION +INJECTED +ENTRY +TEMPLATES +REASON\n/);
      expect(out.stdout).toContain('Pod has sidecar.istio.io/inject=false label, preventing injection');
      expect(out.stdout).not.toContain('✔');
    });

    it('tag set sends a namespace labelled with the tag to the revision; --overwrite moves it; list and remove', async () => {
      expect(cli(['tag', 'set', 'prod', '-r', 'cni']).code).toBe(0);
      const checked = cli(['check-inject', '-n', TAGGED, '-l', 'app=a', '-o', 'json']).json() as { injectedBy: string[]; webhooks: { injected: boolean; reason: { code: string }; tag?: string; revision: string }[] };
      expect(checked.webhooks.filter((w) => w.injected)).toMatchObject([{ reason: { code: 'namespaceTag' }, tag: 'prod', revision: 'cni' }]);
      createPod('on-cni');
      expect(statusRevision('on-cni')).toBe('cni');
      expect(cli(['tag', 'set', 'prod', '-r', 'default']).code).toBe(1);
      const moved = cli(['tag', 'set', 'prod', '-r', 'default', '--overwrite']);
      expect(moved.stdout).toMatch(/^tag prod moved → revision default/);
      createPod('on-default');
      expect(statusRevision('on-default')).toBe('default');
      const list = cli(['tag', 'list', '-o', 'json']).json() as { tag: string; revision: string; namespaces: string[] }[];
      expect(list.find((t) => t.tag === 'prod')).toMatchObject({ revision: 'default', namespaces: [TAGGED] });
      const refused = cli(['tag', 'remove', 'prod']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`used by namespaces ${TAGGED}`);
      expect(cli(['tag', 'remove', 'prod', '-y']).code).toBe(0);
      createPod('untagged');
      expect(statusRevision('untagged')).toBeUndefined();
    });

    it('kube-uninject: a Deployment injected by kube-inject, applied, read back and uninjected rolls out without the sidecar', async () => {
      const file = join(dir, 'web.yaml');
      writeFileSync(file, JSON.stringify(deployment(UNINJECTED, 'web', c.appImage())));
      const injected = cli(['kube-inject', '-f', file]);
      expect(injected.code).toBe(0);
      c.kube.kubectl(['apply', '-f', '-'], injected.stdout);
      const podsOf = () => JSON.parse(c.kube.kubectl(['get', 'pods', '-n', UNINJECTED, '-l', 'app=web', '-o', 'json'])) as {
        items: { metadata: { name: string; annotations?: Record<string, string>; deletionTimestamp?: string }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }[];
      };
      const names = (p: { spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }) => [...(p.spec.initContainers ?? []), ...p.spec.containers].map((x) => x.name).sort();
      await c.kube.until('the injected pod exists with istio-proxy', () => podsOf().items.some((p) => names(p).includes('istio-proxy')), 120_000);
      // What a user has: the object as the API server stores it (status, managedFields and all).
      const stored = c.kube.kubectl(['get', 'deployment', 'web', '-n', UNINJECTED, '-o', 'yaml']);
      const file2 = join(dir, 'stored.yaml');
      writeFileSync(file2, stored);
      const r = sh([process.execPath, cliPath(), 'kube-uninject', '-f', file2], { timeoutMs: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // kubectl's last-applied-configuration (the injected manifest) stays: apply's three-way
      // merge uses it to delete what injection added.
      const back = parseAllDocuments(r.stdout)[0]?.toJS() as { spec: { template: { metadata: { annotations?: Record<string, string>; labels?: Record<string, string> }; spec: { containers: { name: string }[]; initContainers?: unknown[]; volumes?: unknown[] } } } };
      const tmpl = back.spec.template;
      expect(tmpl.spec.containers.map((x) => x.name)).toEqual(['web']);
      expect([tmpl.spec.initContainers, tmpl.spec.volumes, tmpl.metadata.annotations?.['sidecar.istio.io/status']]).toEqual([undefined, undefined, undefined]);
      expect(tmpl.metadata.labels).toEqual({ app: 'web' });
      c.kube.kubectl(['apply', '-f', '-'], r.stdout);
      const rollout = c.kube.tryKubectl(['rollout', 'status', 'deployment/web', '-n', UNINJECTED, '--timeout=150s'], undefined, 170_000);
      expect(rollout.code, rollout.stderr).toBe(0);
      await c.kube.until('only pods without the sidecar are left', () => {
        const items = podsOf().items.filter((p) => !p.metadata.deletionTimestamp);
        return items.length > 0 && items.every((p) => names(p).join() === 'web' && p.metadata.annotations?.['sidecar.istio.io/status'] === undefined);
      }, 120_000);
    }, 420_000);
  });
}
