/**
 * emitYaml / parseYamlDocument throughput on a synthetic injected Deployment (about the size of
 * a kube-inject output document), against the `yaml` package and JSON.stringify/parse measured
 * in the same run as baselines. Run: npx tsx bench/yaml/emit-bench.ts
 */
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { emitYaml } from '../../src/core/yaml/emit.js';
import { parseYamlDocument } from '../../src/core/yaml/parse.js';

function container(name: string, i: number): Record<string, unknown> {
  return {
    name,
    image: `registry.example.com/team/${name}:1.${i}`,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--log-level=warning', '-p', '15001'],
    env: Array.from({ length: 20 }, (_, j) => ({ name: `ENV_VAR_${j}`, value: j % 3 === 0 ? 'true' : `value ${j} `.repeat(j % 5 + 1).trim() })),
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 1337 },
    readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 15, failureThreshold: 4 },
    volumeMounts: Array.from({ length: 8 }, (_, j) => ({ mountPath: `/var/run/secrets/volume-${j}`, name: `volume-${j}` })),
  };
}

const doc = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'bench', namespace: 'default', labels: { app: 'bench', version: 'v1' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'bench' } },
    strategy: {},
    template: {
      metadata: {
        annotations: {
          'example.com/config': JSON.stringify({ a: 'x'.repeat(50), b: [1, 2, 3], c: { d: 'some longer text with spaces in it' } }),
          'example.com/status': '{"initContainers":["init"],"containers":["proxy"],"volumes":["a","b","c","d","e","f","g"]}',
          'prometheus.io/port': '15020',
          'prometheus.io/scrape': 'true',
        },
        labels: { app: 'bench' },
      },
      spec: {
        containers: [container('app', 1), container('proxy', 2)],
        initContainers: [container('init', 3)],
        volumes: Array.from({ length: 8 }, (_, j) => ({ name: `volume-${j}`, emptyDir: { medium: 'Memory' } })),
      },
    },
  },
  status: {},
};

function measure(name: string, fn: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  const perOp = ((performance.now() - start) * 1000) / iterations;
  console.log(`${name.padEnd(34)} ${perOp.toFixed(1).padStart(8)} µs/op`);
  return perOp;
}

const text = emitYaml(doc);
const n = 2000;
console.log(`document: ${text.length} bytes, ${text.split('\n').length - 1} lines; ${n} iterations each`);
const emit = measure('emitYaml', () => emitYaml(doc), n);
const yamlStringify = measure('baseline yaml.stringify', () => YAML.stringify(doc), n);
const jsonStringify = measure('baseline JSON.stringify', () => JSON.stringify(doc), n);
const parse = measure('parseYamlDocument', () => parseYamlDocument(text), n);
const yamlParse = measure('baseline yaml.parse', () => YAML.parse(text), n);
console.log(`emitYaml / yaml.stringify = ${(emit / yamlStringify).toFixed(2)}x; emitYaml / JSON.stringify = ${(emit / jsonStringify).toFixed(1)}x`);
console.log(`parseYamlDocument / yaml.parse = ${(parse / yamlParse).toFixed(2)}x`);
