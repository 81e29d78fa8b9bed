/**
 * The data an injection template renders from: the same fields Istio's Go templates see
 * (`SidecarTemplateData`: .TypeMeta, .DeploymentMeta, .ObjectMeta, .Spec, .ProxyConfig,
 * .MeshConfig, .Values, .Revision, .NativeSidecars, .ProxyImage, .ProxyInitImage, .ProxyUID,
 * .ProxyGID, .InboundTrafficPolicyMode, .CompliancePolicy), so a Go-template adapter can expose
 * them unchanged. Built-in templates are typed functions from this context to a pod patch.
 */
import type { MeshConfig } from '../config/mesh.js';
import type { ProxyConfig } from '../config/proxy-config.js';
import type { Values } from '../config/values.js';
import type { DeploymentMeta, ObjectMeta, PodSpec, TypeMeta } from '../k8s/pod.js';
import { annotation, isset } from './templates/functions.js';

export interface TemplateContext {
  readonly typeMeta: TypeMeta;
  readonly deploymentMeta: DeploymentMeta;
  /** Metadata of the pod with previously injected parts stripped (§b.2). */
  readonly objectMeta: ObjectMeta;
  /** Spec of the stripped pod. */
  readonly spec: PodSpec;
  /** Mesh defaultConfig merged with the pod's `proxy.istio.io/config`. */
  readonly proxyConfig: ProxyConfig;
  readonly meshConfig: MeshConfig;
  /** Helm values, including keys the built-in templates do not read. */
  readonly values: Values;
  /** Injector revision ("" = default). */
  readonly revision: string;
  readonly nativeSidecars: boolean;
  readonly proxyImage: string;
  readonly proxyInitImage: string;
  readonly proxyUID: number;
  readonly proxyGID: number;
  readonly inboundTrafficPolicyMode: 'passthrough' | 'localhost';
  /** istiod's COMPLIANCE_POLICY ("" when unset). */
  readonly compliancePolicy: string;
}

/**
 * A strategic-merge patch for a Pod (`metadata` + `spec`), the result of rendering a template.
 * `null` members delete fields, as in Kubernetes strategic merge.
 */
export type PodPatch = { readonly [k: string]: unknown };

/** A template: a pure function of the context. Custom Go templates are adapted to this shape. */
export type Template = (ctx: TemplateContext) => PodPatch;

/** Go's fmt.Sprint for the values templates print (`<nil>` for nothing). */
export function goString(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Istio's `annotation` template function: the annotation if present (even empty), else the default. */
export function annotationOr(meta: ObjectMeta, name: string, fallback: unknown): string {
  return annotation(meta.annotations, name, fallback, goString);
}

/** True when the annotation key exists (`isset`). */
export function hasAnnotation(meta: ObjectMeta, name: string): boolean {
  return isset(meta.annotations, name);
}

/** sprig `default`: the first argument that is not empty ("" / undefined). */
export function firstNonEmpty(...vals: (string | undefined)[]): string {
  for (const v of vals) if (v !== undefined && v !== '') return v;
  return '';
}

/** Names of the pod's containers other than istio-proxy (the template's `$containers`). */
export function appContainerNames(ctx: TemplateContext): string[] {
  return (ctx.spec.containers ?? []).filter((c) => c.name !== 'istio-proxy').map((c) => c.name);
}

/** The pod's effective interception mode: annotation, else ProxyConfig (default REDIRECT). */
export function interceptionModeOf(ctx: TemplateContext): string {
  return annotationOr(ctx.objectMeta, 'sidecar.istio.io/interceptionMode', ctx.proxyConfig.interceptionMode ?? 'REDIRECT');
}

/** The template's `$nativeSidecar`: annotation `sidecar.istio.io/nativeSidecar` unless empty, else the flag; only "false" disables. */
export function nativeSidecarOf(meta: ObjectMeta, nativeSidecars: boolean): boolean {
  const v = meta.annotations?.['sidecar.istio.io/nativeSidecar'];
  return (v === undefined || v === '' ? String(nativeSidecars) : v) !== 'false';
}
