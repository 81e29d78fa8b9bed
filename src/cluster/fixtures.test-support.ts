/**
 * Webhook configurations shaped like the ones our chart and Istio's render, for unit tests of the
 * cluster-facing commands (the chart's own rendering is checked against the same entry table in
 * charts/sidecar-kit/tests/chart.test.ts).
 */
import { selectionEntries } from '../core/selection/entries.js';
import type { MutatingWebhookConfiguration } from '../core/selection/webhooks.js';

const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];

export function skWebhook(o: { name: string; revision: string; tag?: string; helm?: boolean; ns?: string; cm?: string }): MutatingWebhookConfiguration {
  const revLabel = o.tag ?? o.revision;
  const ns = o.ns ?? 'sidecar-kit';
  const cm = o.cm ?? `sk-sidecar-kit-sidecar-injector${o.revision === 'default' ? '' : `-${o.revision}`}`;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: o.name,
      labels: { 'sidecar-kit.io/rev': o.revision, ...(o.tag ? { 'sidecar-kit.io/tag': o.tag } : {}), ...(o.helm ? { 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'sidecar-kit-0.1.0' } : {}) },
      annotations: {
        'sidecar-kit.io/injector-configmap': `${ns}/${cm}`,
        'sidecar-kit.io/mesh-configmap': `${ns}/${cm.replace('sidecar-injector', 'mesh')}`,
        ...(o.helm ? { 'meta.helm.sh/release-name': 'sk' } : {}),
      },
    },
    webhooks: selectionEntries({ revLabel, defaultEntries: revLabel === 'default', enableNamespacesByDefault: false }).map((e) => ({
      name: `${e.prefix}sidecar-injector.sidecar-kit.io`,
      clientConfig: { service: { name: 'sk-sidecar-kit-webhook', namespace: ns, path: '/inject', port: 443 }, caBundle: 'Q0E=' },
      rules,
      sideEffects: 'None',
      failurePolicy: 'Fail',
      admissionReviewVersions: ['v1'],
      namespaceSelector: e.namespaceSelector,
      objectSelector: e.objectSelector,
    })),
  };
}

export function istioWebhook(o: { name: string; revision: string; tag?: string }): MutatingWebhookConfiguration {
  const revLabel = o.tag ?? o.revision;
  return {
    metadata: { name: o.name, labels: { 'istio.io/rev': o.revision, ...(o.tag ? { 'istio.io/tag': o.tag } : {}) } },
    webhooks: selectionEntries({ revLabel, defaultEntries: revLabel === 'default', enableNamespacesByDefault: false }).map((e) => ({
      name: `${e.prefix}sidecar-injector.istio.io`,
      clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/inject' } },
      rules,
      namespaceSelector: e.namespaceSelector,
      objectSelector: e.objectSelector,
    })),
  };
}
