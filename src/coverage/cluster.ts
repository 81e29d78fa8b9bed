/**
 * Reads what the coverage report needs from a cluster (plain JSON through ../kube/json-client):
 * our MutatingWebhookConfigurations (entries named `*.sidecar-kit.io`), for each the webhook
 * Deployment behind its Service (same name, as the chart names them) with the injector and mesh
 * ConfigMaps it mounts and the environment it runs with, the nodes (native sidecars in `auto`
 * mode), namespaces, pods, ReplicaSets (to find Deployments) and the controllers' create events.
 */
import { parseIstiodEnvironment, type InjectionEnvironment, type NodeFact } from '../core/inject/environment.js';
import type { CoverageInput, Injector } from '../core/coverage/assess.js';
import { coverageInjector } from '../core/coverage/injector.js';
import type { MutatingWebhookConfiguration as WebhookConfiguration } from '../core/selection/webhooks.js';
import { readCoverageObjects, type ReadOptions } from '../kube/coverage-objects.js';
import type { KubeJson } from '../kube/json-client.js';
import { settingsFromTexts } from '../config/load.js';
import { parsePathEnv } from '../core/inject/path-params.js';

export { isOurs, type ReadOptions } from '../kube/coverage-objects.js';

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
interface Deployment {
  readonly metadata: Meta;
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly containers: { readonly args?: string[]; readonly env?: { name: string; value?: string }[] }[];
        readonly volumes?: { readonly name: string; readonly configMap?: { readonly name: string } }[];
      };
    };
  };
}
interface ConfigMap {
  readonly data?: Record<string, string>;
}
/** Every one of our configurations, keyed by name, with the injector behind it. */
export async function readInjectors(api: KubeJson, configurations: readonly WebhookConfiguration[], nodes: readonly NodeFact[], warn: (m: string) => void): Promise<Map<string, Injector>> {
  const out = new Map<string, Injector>();
  for (const c of configurations) {
    const name = c.metadata?.name ?? '';
    const svc = c.webhooks?.[0]?.clientConfig?.service;
    if (!svc?.name || !svc.namespace) {
      warn(`${name}: its webhooks call no Service; staleness is not judged for its pods`);
      continue;
    }
    try {
      const d = await api.get<Deployment>(`/apis/apps/v1/namespaces/${svc.namespace}/deployments/${svc.name}`);
      const pod = d.spec.template.spec;
      const container = pod.containers[0];
      const cm = (vol: string) => pod.volumes?.find((v) => v.name === vol)?.configMap?.name;
      const texts: { config?: string; values?: string; mesh?: string } = {};
      const inj = cm('inject-config');
      if (inj) {
        const data = (await api.get<ConfigMap>(`/api/v1/namespaces/${svc.namespace}/configmaps/${inj}`)).data ?? {};
        if (data.config !== undefined) texts.config = data.config;
        if (data.values !== undefined) texts.values = data.values;
      }
      const meshName = cm('mesh-config');
      if (meshName) {
        const mesh = (await api.get<ConfigMap>(`/api/v1/namespaces/${svc.namespace}/configmaps/${meshName}`)).data?.mesh;
        if (mesh !== undefined) texts.mesh = mesh;
      }
      const env = Object.fromEntries((container?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
      const revision = (container?.args ?? []).find((a) => a.startsWith('--revision='))?.slice('--revision='.length) ?? '';
      const settings = settingsFromTexts(texts, revision);
      // As that istiod reads its environment (a value it only warns about applies as it does).
      const environment: InjectionEnvironment = parseIstiodEnvironment(env).environment;
      out.set(name, coverageInjector(settings, environment, { nodes }, parsePathEnv(svc.path ?? '/inject').env));
    } catch (err) {
      warn(`${name}: cannot read the injector behind it (deployment ${svc.namespace}/${svc.name}): ${(err as Error).message}; staleness is not judged for its pods`);
    }
  }
  return out;
}

export async function readCoverageInput(api: KubeJson, opts: ReadOptions): Promise<CoverageInput> {
  const { ours, nodes, ...objects } = await readCoverageObjects(api, opts);
  return { ...objects, injectors: await readInjectors(api, ours, nodes, opts.warn) };
}
