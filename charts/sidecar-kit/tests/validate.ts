/**
 * Validation of rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models:
 * types, required fields, formats; it does not reject unknown fields). cert-manager's kinds are
 * not in kubernetes-models, so they get a structural zod check of the fields the chart writes.
 */
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { z } from 'zod';
import type { K8sObject } from './helm.js';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/DaemonSet': DaemonSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': MutatingWebhookConfiguration,
};

const issuerRef = z.strictObject({ name: z.string().min(1), kind: z.enum(['Issuer', 'ClusterIssuer']), group: z.literal('cert-manager.io') });
const meta = z.looseObject({ name: z.string().min(1), namespace: z.string().min(1) });
const CERT_MANAGER: Record<string, z.ZodType> = {
  'cert-manager.io/v1/Certificate': z.looseObject({
    metadata: meta,
    spec: z.strictObject({
      secretName: z.string().min(1),
      isCA: z.boolean().optional(),
      commonName: z.string().max(64).optional(),
      dnsNames: z.array(z.string()).optional(),
      duration: z.string().regex(/^(\d+(h|m|s))+$/).optional(),
      renewBefore: z.string().regex(/^(\d+(h|m|s))+$/).optional(),
      privateKey: z.strictObject({ algorithm: z.enum(['RSA', 'ECDSA', 'Ed25519']), size: z.number().int(), rotationPolicy: z.enum(['Never', 'Always']).optional() }).optional(),
      issuerRef,
    }),
  }),
  'cert-manager.io/v1/Issuer': z.looseObject({
    metadata: meta,
    spec: z.union([z.strictObject({ selfSigned: z.strictObject({}) }), z.strictObject({ ca: z.strictObject({ secretName: z.string().min(1) }) })]),
  }),
};

/** Throws with the object's kind/name and the schema's message when the object is invalid. */
export function validateObject(o: K8sObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const model = MODELS[key];
  const where = `${o.kind}/${o.metadata?.name}`;
  if (model) {
    try {
      new model(o as never).validate();
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    return;
  }
  const schema = CERT_MANAGER[key];
  if (!schema) throw new Error(`${where}: no schema for ${key}; add it to charts/sidecar-kit/tests/validate.ts`);
  const r = schema.safeParse(o);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
