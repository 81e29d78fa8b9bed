/**
 * The injector configuration: the `config` key of the `istio-sidecar-injector` ConfigMap, or
 * what the istiod chart derives from Helm values when there is no such file.
 */
import * as z from 'zod/mini';
import { lazy } from './lazy.js';
import type { Values } from './values.js';

function buildInjectorConfigSchema() {
  const labelSelector = z.looseObject({
    matchLabels: z.nullish(z.record(z.string(), z.string())),
    matchExpressions: z.nullish(z.array(z.looseObject({ key: z.string(), operator: z.string(), values: z.nullish(z.array(z.string())) }))),
  });

  return z.looseObject({
    policy: z.optional(z.string()),
    defaultTemplates: z.nullish(z.array(z.string())),
    aliases: z.nullish(z.record(z.string(), z.array(z.string()))),
    neverInjectSelector: z.nullish(z.array(labelSelector)),
    alwaysInjectSelector: z.nullish(z.array(labelSelector)),
    injectedAnnotations: z.nullish(z.record(z.string(), z.string())),
    /** Template texts by name (Go text/template); they replace built-ins of the same name. */
    templates: z.nullish(z.record(z.string(), z.string())),
    /** Legacy single template (a poison string in current Istio). */
    template: z.optional(z.string()),
  });
}

/** The injector config schema, built on first use (only an inject config file needs it). */
export const injectorConfigSchemaOf = /* @__PURE__ */ lazy(buildInjectorConfigSchema);

/** The same schema as a value, for importers that want one; dropped from bundles that do not use it. */
export const injectorConfigSchema = /* @__PURE__ */ injectorConfigSchemaOf();

export type InjectorConfigInput = z.infer<typeof injectorConfigSchema>;

export interface LabelSelectorConfig {
  readonly matchLabels?: Readonly<Record<string, string>> | null;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] | null }[] | null;
}

/** Resolved injector configuration. */
export interface InjectorConfig {
  readonly policy: string;
  readonly defaultTemplates: readonly string[];
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  readonly neverInjectSelector: readonly LabelSelectorConfig[];
  readonly alwaysInjectSelector: readonly LabelSelectorConfig[];
  readonly injectedAnnotations: Readonly<Record<string, string>>;
  /** Custom template texts (values `sidecarInjectorWebhook.templates` or an inject config file). */
  readonly customTemplates: Readonly<Record<string, string>>;
}

/** The configuration the istiod chart renders from values (injection-template ConfigMap). */
export function injectorConfigFromValues(values: Values): InjectorConfig {
  const w = values.sidecarInjectorWebhook;
  return {
    policy: values.global.proxy?.autoInject ?? 'enabled',
    defaultTemplates: w.defaultTemplates && w.defaultTemplates.length > 0 ? w.defaultTemplates : ['sidecar'],
    aliases: {},
    neverInjectSelector: w.neverInjectSelector ?? [],
    alwaysInjectSelector: w.alwaysInjectSelector ?? [],
    injectedAnnotations: w.injectedAnnotations ?? {},
    customTemplates: w.templates ?? {},
  };
}

/** An explicit injector config file; a file that is only a template text becomes the `sidecar` template. */
export function injectorConfigFromFile(input: InjectorConfigInput): InjectorConfig {
  return {
    policy: input.policy ?? 'enabled',
    defaultTemplates: input.defaultTemplates && input.defaultTemplates.length > 0 ? input.defaultTemplates : ['sidecar'],
    aliases: input.aliases ?? {},
    neverInjectSelector: input.neverInjectSelector ?? [],
    alwaysInjectSelector: input.alwaysInjectSelector ?? [],
    injectedAnnotations: input.injectedAnnotations ?? {},
    customTemplates: input.templates ?? {},
  };
}
