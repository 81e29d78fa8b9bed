/**
 * Template selection: built-in typed templates, custom templates from the configuration, and
 * the seam where a Go text/template engine plugs in (`TemplateCompiler`).
 */
import { ownValue } from '../../format/own-keys.js';
import { InjectionError, InjectionErrorCode } from '../errors.js';
import type { Template } from '../template-context.js';
import { gatewayTemplate } from './gateway.js';
import { grpcAgentTemplate, grpcSimpleTemplate } from './grpc.js';
import { sidecarTemplate } from './sidecar.js';

export const BUILTIN_TEMPLATES: ReadonlyMap<string, Template> = new Map<string, Template>([
  ['sidecar', sidecarTemplate],
  ['gateway', gatewayTemplate],
  ['grpc-simple', grpcSimpleTemplate],
  ['grpc-agent', grpcAgentTemplate],
]);

/** Istio ships these too (ambient waypoints, Gateway API deployments); sidecar-kit does not implement them. */
export const UNIMPLEMENTED_BUILTINS: readonly string[] = ['waypoint', 'kube-gateway', 'agentgateway', 'agentgateway-waypoint'];

/** Turns a custom template text into a Template (the Go text/template engine, when present). */
export type TemplateCompiler = (name: string, text: string) => Template;

/** Until the Go template engine is wired in, a selected custom template fails clearly. */
export const unsupportedTemplateCompiler: TemplateCompiler = (name) => () => {
  throw new InjectionError(
    InjectionErrorCode.templateUnsupported,
    `custom templates are not supported yet: template "${name}" is a Go text/template from the injector configuration`,
  );
};

/**
 * The templates a pod can select here, sorted (for "not found" messages): the built-ins we render
 * and the configuration's custom templates. Istio's built-ins we do not implement are left out, so
 * the list never suggests a name that would fail with "not supported".
 */
export function knownTemplateNames(custom: Readonly<Record<string, string>>): string[] {
  return [...new Set([...BUILTIN_TEMPLATES.keys(), ...Object.keys(custom)])].sort();
}

/** Looks a template up: a custom template of that name wins over the built-in. */
export function lookupTemplate(
  name: string,
  custom: Readonly<Record<string, string>>,
  compile: TemplateCompiler,
): Template {
  const text = ownValue(custom, name);
  if (text !== undefined) return compile(name, text);
  const builtin = BUILTIN_TEMPLATES.get(name);
  if (builtin) return builtin;
  if (UNIMPLEMENTED_BUILTINS.includes(name)) {
    throw new InjectionError(InjectionErrorCode.templateUnsupported, `template "${name}" is not supported by sidecar-kit`);
  }
  throw new InjectionError(
    InjectionErrorCode.templateNotFound,
    `requested template "${name}" not found; have ${knownTemplateNames(custom).join(', ')}`,
  );
}
