/**
 * Type checks on the parts of an incoming Pod that injection reads, so that a malformed object
 * is rejected with a message naming the field (as Go's typed decoding in Istio would) instead of
 * failing somewhere inside the core. `null` is accepted wherever Go decodes it as "absent".
 * Fields injection does not read are not checked: the API server validates the final pod.
 */
import { z } from 'zod';

const str = z.string();
const stringMap = z.record(z.string(), z.string()).nullish();
const int32 = z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
const obj = z.looseObject({}).nullish();
const intOrString = z.union([int32, z.string()]);

const probe = z
  .looseObject({
    httpGet: z.looseObject({ port: intOrString.optional(), path: str.optional(), scheme: str.optional() }).nullish(),
    tcpSocket: z.looseObject({ port: intOrString.optional() }).nullish(),
    grpc: z.looseObject({ port: int32.optional() }).nullish(),
  })
  .nullish();

const container = z.looseObject({
  name: str.optional(),
  image: str.optional(),
  command: z.array(str).nullish(),
  args: z.array(str).nullish(),
  env: z.array(z.looseObject({ name: str, value: str.nullish(), valueFrom: obj })).nullish(),
  ports: z.array(z.looseObject({ containerPort: int32, name: str.optional(), protocol: str.optional() })).nullish(),
  resources: obj,
  securityContext: obj,
  readinessProbe: probe,
  livenessProbe: probe,
  startupProbe: probe,
  lifecycle: obj,
  volumeMounts: z.array(z.looseObject({ name: str, mountPath: str.optional() })).nullish(),
  restartPolicy: str.nullish(),
});

export const podShape = z.looseObject({
  apiVersion: str.optional(),
  kind: str.optional(),
  metadata: z
    .looseObject({
      name: str.optional(),
      generateName: str.optional(),
      namespace: str.optional(),
      labels: stringMap,
      annotations: stringMap,
      ownerReferences: z
        .array(z.looseObject({ apiVersion: str.optional(), kind: str.optional(), name: str.optional(), controller: z.boolean().nullish() }))
        .nullish(),
    })
    .nullish(),
  spec: z
    .looseObject({
      hostNetwork: z.boolean().nullish(),
      nodeName: str.optional(),
      containers: z.array(container).nullish(),
      initContainers: z.array(container).nullish(),
      volumes: z.array(z.looseObject({ name: str })).nullish(),
      securityContext: obj,
      imagePullSecrets: z.array(z.looseObject({ name: str.optional() })).nullish(),
      dnsConfig: obj,
    })
    .nullish(),
});

/** `undefined` when the pod is well-formed, else a message naming the first bad field. */
export function checkPodShape(pod: unknown, prefix = 'request.object'): string | undefined {
  const r = podShape.safeParse(pod, { reportInput: true });
  if (r.success) return undefined;
  const issue = r.error.issues[0];
  if (!issue) return `${prefix}: invalid Pod`;
  const where = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '[');
  return `${where}: ${issueText(issue)}`;
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected}, got ${describeInput(issue.input)}`;
  }
  if (issue.code === 'too_big' || issue.code === 'too_small') return 'out of range for a 32-bit integer';
  return issue.message;
}

function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isInteger(v)) return `non-integer ${v}`;
  return typeof v;
}
