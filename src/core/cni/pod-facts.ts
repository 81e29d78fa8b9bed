/**
 * The facts about a pod the CNI plugin decides on, and the two places they come from:
 *
 * - the Pod object (from the Kubernetes API, or a file for `cni-rules`): `podFactsFromPod`;
 * - the pod annotations the container runtime hands to a plugin that declares the
 *   `io.kubernetes.cri.pod-annotations` capability: `podFactsFromAnnotations`. Annotations alone
 *   lack what lives in the pod spec and labels (proxy UID/GID, proxy env, the `istio-init`
 *   container, the inject label), so the injector, when `sidecarKit.cni.podFactsAnnotation` is
 *   on, writes those into one annotation (`captureFactsAnnotation`). Without it the plugin
 *   asks the API server, as Istio does.
 *
 * Both sources yield the same `PodFacts`, so one decision function serves both.
 */
import * as z from 'zod/mini';
import { INJECT_KEY } from '../istio-keys.js';
import { INIT_CONTAINER, PROXY_CONTAINER } from '../k8s/pod.js';

/** The annotation the injector writes in CNI mode (opt-in) so ADD needs no API call. */
export const FACTS_ANNOTATION = 'cni.sidecar-kit.io/capture';
/** Wire version of that annotation; a plugin ignores (and falls back to the API for) others. */
export const FACTS_VERSION = 1;

/** istio-proxy environment variables the plugin reads (reference §g.2-g.3). */
export const PROXY_ENV_KEYS = ['DISABLE_ENVOY', 'ISTIO_META_DNS_CAPTURE', 'ISTIO_DUAL_STACK', 'INVALID_DROP'] as const;

export interface ProxyFacts {
  /** `securityContext.runAsUser` of istio-proxy, when set. */
  readonly uid?: number;
  /** `securityContext.runAsGroup` of istio-proxy, when set. */
  readonly gid?: number;
  /** `<type>` of args `proxy <type>` (e.g. `sidecar`, `router`), when the args have that shape. */
  readonly type?: string;
  /** Literal values of the env vars in PROXY_ENV_KEYS that the container sets. */
  readonly env: Readonly<Record<string, string>>;
}

export interface PodFacts {
  readonly annotations: Readonly<Record<string, string>>;
  /** Value of the `sidecar.istio.io/inject` label, when the pod has it. */
  readonly injectLabel?: string;
  /** An `istio-init` container (init or regular) exists: the pod captures traffic itself. */
  readonly hasIstioInit: boolean;
  /** Absent when the pod has no istio-proxy container. */
  readonly proxy?: ProxyFacts;
}

/** The parts of a Pod read here; any Pod-shaped JSON (API object, decoded YAML) fits. */
export interface PodLike {
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
  } | null;
  readonly spec?: {
    readonly containers?: readonly ContainerLike[] | null;
    readonly initContainers?: readonly ContainerLike[] | null;
  } | null;
}

export interface ContainerLike {
  readonly name: string;
  readonly args?: readonly string[] | null;
  readonly env?: readonly { readonly name: string; readonly value?: string }[] | null;
  readonly securityContext?: { readonly runAsUser?: number | null; readonly runAsGroup?: number | null } | null;
}

const containerView = z.looseObject({
  name: z.string(),
  args: z.optional(z.nullable(z.array(z.string()))),
  env: z.optional(z.nullable(z.array(z.looseObject({ name: z.string(), value: z.optional(z.string()) })))),
  securityContext: z.optional(
    z.nullable(z.looseObject({ runAsUser: z.optional(z.nullable(z.int())), runAsGroup: z.optional(z.nullable(z.int())) })),
  ),
});

/** Checks that untrusted JSON (API response, file) has the Pod shape read here. */
export const podViewSchema = z.looseObject({
  metadata: z.optional(
    z.nullable(
      z.looseObject({
        labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
        annotations: z.optional(z.nullable(z.record(z.string(), z.string()))),
      }),
    ),
  ),
  spec: z.optional(
    z.nullable(
      z.looseObject({
        containers: z.optional(z.nullable(z.array(containerView))),
        initContainers: z.optional(z.nullable(z.array(containerView))),
      }),
    ),
  ),
});

/** Validates a Pod-shaped value; the error names the first offending field path. */
export function parsePodView(value: unknown): PodLike {
  const r = podViewSchema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new Error(`not a Pod: ${i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
}

function proxyFacts(c: ContainerLike): ProxyFacts {
  const env: Record<string, string> = {};
  // Istio copies `value` only (valueFrom reads as ""), last definition wins.
  for (const e of c.env ?? []) {
    if ((PROXY_ENV_KEYS as readonly string[]).includes(e.name)) env[e.name] = e.value ?? '';
  }
  const args = c.args ?? [];
  const sc = c.securityContext ?? undefined;
  return {
    ...(sc?.runAsUser != null ? { uid: sc.runAsUser } : {}),
    ...(sc?.runAsGroup != null ? { gid: sc.runAsGroup } : {}),
    ...(args.length >= 2 && args[0] === 'proxy' ? { type: args[1] } : {}),
    env,
  };
}

/** Reads the facts from a Pod object. Never mutates `pod`. */
export function podFactsFromPod(pod: PodLike): PodFacts {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  // Regular containers first, then init containers (native sidecars), as Istio scans them.
  const proxy = containers.find((c) => c.name === PROXY_CONTAINER);
  const injectLabel = pod.metadata?.labels?.[INJECT_KEY];
  return {
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    ...(injectLabel !== undefined ? { injectLabel } : {}),
    hasIstioInit: containers.some((c) => c.name === INIT_CONTAINER),
    ...(proxy ? { proxy: proxyFacts(proxy) } : {}),
  };
}

const factsWireSchema = z.object({
  v: z.literal(FACTS_VERSION),
  istioInit: z.optional(z.boolean()),
  injectLabel: z.optional(z.string()),
  proxy: z.optional(
    z.object({
      uid: z.optional(z.int()),
      gid: z.optional(z.int()),
      type: z.optional(z.string()),
      env: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});

/**
 * The value of FACTS_ANNOTATION for `pod` (normally the injected pod): compact JSON holding
 * exactly the non-annotation facts, e.g. `{"v":1,"proxy":{"uid":1337,"gid":1337,"type":"sidecar"}}`.
 * Keys are emitted in a fixed order so the same pod always gives the same bytes.
 */
export function captureFactsAnnotation(pod: PodLike): string {
  const f = podFactsFromPod(pod);
  const wire: z.infer<typeof factsWireSchema> = {
    v: FACTS_VERSION,
    ...(f.hasIstioInit ? { istioInit: true } : {}),
    ...(f.injectLabel !== undefined ? { injectLabel: f.injectLabel } : {}),
    ...(f.proxy
      ? {
          proxy: {
            ...(f.proxy.uid !== undefined ? { uid: f.proxy.uid } : {}),
            ...(f.proxy.gid !== undefined ? { gid: f.proxy.gid } : {}),
            ...(f.proxy.type !== undefined ? { type: f.proxy.type } : {}),
            ...(Object.keys(f.proxy.env).length > 0 ? { env: sortedRecord(f.proxy.env) } : {}),
          },
        }
      : {}),
  };
  return JSON.stringify(wire);
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k] as string]));
}

/** Why runtime-provided annotations could not stand in for the pod. */
export type AnnotationFactsMiss = 'no-facts-annotation' | 'unreadable-facts-annotation';

/**
 * Rebuilds PodFacts from the annotations alone. Returns a miss (the caller falls back to the
 * API) when the facts annotation is absent, not JSON, or of another version.
 */
export function podFactsFromAnnotations(
  annotations: Readonly<Record<string, string>>,
): { readonly facts: PodFacts } | { readonly miss: AnnotationFactsMiss; readonly detail?: string } {
  const raw = annotations[FACTS_ANNOTATION];
  if (raw === undefined) return { miss: 'no-facts-annotation' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { miss: 'unreadable-facts-annotation', detail: `not JSON: ${(err as Error).message}` };
  }
  const parsed = factsWireSchema.safeParse(json);
  if (!parsed.success) {
    return { miss: 'unreadable-facts-annotation', detail: parsed.error.issues.map((i) => i.message).join('; ') };
  }
  const w = parsed.data;
  return {
    facts: {
      annotations: { ...annotations },
      ...(w.injectLabel !== undefined ? { injectLabel: w.injectLabel } : {}),
      hasIstioInit: w.istioInit ?? false,
      ...(w.proxy
        ? {
            proxy: {
              ...(w.proxy.uid !== undefined ? { uid: w.proxy.uid } : {}),
              ...(w.proxy.gid !== undefined ? { gid: w.proxy.gid } : {}),
              ...(w.proxy.type !== undefined ? { type: w.proxy.type } : {}),
              env: { ...(w.proxy.env ?? {}) },
            },
          }
        : {}),
    },
  };
}
