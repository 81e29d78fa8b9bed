/**
 * Custom injection templates: Go text/template texts from the injector configuration
 * (`sidecarInjectorWebhook.templates`, the ConfigMap `config` key's `templates`,
 * `--injectConfigFile`) run by the pure template engine (src/core/template) and adapted to the
 * core's `Template` shape, so they are merged, post-processed and recorded in the status
 * annotation exactly like the built-in typed templates. kube-inject and the webhook both build
 * their compiler here, so they behave the same.
 *
 * As istiod does:
 * - every text is parsed as Go template "inject" with sprig + Istio's functions, when a
 *   configuration version is loaded (`compileCustomTemplates`): a text that does not parse
 *   rejects the configuration, whether or not a pod selects it;
 * - each pod renders with `*inject.SidecarTemplateData` as dot; the output is read like
 *   sigs.k8s.io/yaml.Unmarshal into a map (go-yaml v2, src/core/yaml).
 * Error messages keep Go's/Istio's text and add which configured template failed.
 */
import { ConfigError } from '../config/errors.js';
import { parseTemplate, type Template as GoTemplate } from '../template/template.js';
import { goYamlMarshal } from '../template/go-yaml.js';
import type { FuncMap } from '../template/funcs.js';
import { GoStruct, isPlainMap } from '../template/values.js';
import { createIstioFuncs } from './go-template/istio-funcs.js';
import { SIDECAR_TEMPLATE_DATA, type SidecarTemplateInput } from './go-template/istio-types.js';
import { parseYamlDocument } from '../yaml/parse.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { proxyConfigJson } from './proxy-config-json.js';
import type { PodPatch, Template, TemplateContext } from './template-context.js';
import type { TemplateCompiler } from './templates/index.js';

/** The Go template name istiod gives every injection template (it appears in Go's error texts). */
export const GO_TEMPLATE_NAME = 'inject';

export interface GoTemplateCompilerOptions {
  /** istiod's environment, for the template function `env KEY DEFAULT`. */
  readonly env?: (key: string) => string | undefined;
  /**
   * Parsed texts kept (least recently compiled dropped first); a configuration has a handful,
   * reloads add the changed ones. Default 64.
   */
  readonly maxCached?: number;
}

/** sprig functions that modify a map they are given (possibly `.Values` or a map inside it). */
const MUTATING_FUNCS = /\b(?:set|unset|merge|mergeOverwrite|mustMerge|mustMergeOverwrite)\b/;

/**
 * `.Values` as one pod's templates see it. In istiod all templates of all pods share one values
 * map, so a template's `set .Values ...` leaks into later pods; here the pod's templates share a
 * private copy (made only for texts that can modify maps), so one pod never changes another.
 */
const podValues = new WeakMap<TemplateContext, Record<string, unknown>>();

function valuesFor(ctx: TemplateContext, mutable: boolean): Readonly<Record<string, unknown>> {
  let copy = podValues.get(ctx);
  if (copy) return copy; // an earlier template of this pod may have modified it
  const values = ctx.values as unknown as Readonly<Record<string, unknown>>;
  if (!mutable) return values;
  copy = structuredClone(values) as Record<string, unknown>;
  podValues.set(ctx, copy);
  return copy;
}

/** Istio's `&SidecarTemplateData{...}` (a pointer, as istiod passes it to Execute). */
function templateData(ctx: TemplateContext, mutable: boolean): GoStruct {
  const input: SidecarTemplateInput = {
    typeMeta: ctx.typeMeta,
    deploymentMeta: ctx.deploymentMeta,
    objectMeta: ctx.objectMeta as Readonly<Record<string, unknown>>,
    spec: ctx.spec as Readonly<Record<string, unknown>>,
    proxyConfig: ctx.proxyConfig as Readonly<Record<string, unknown>>,
    meshConfig: ctx.meshConfig as Readonly<Record<string, unknown>>,
    values: valuesFor(ctx, mutable),
    revision: ctx.revision,
    nativeSidecars: ctx.nativeSidecars,
    proxyImage: ctx.proxyImage,
    proxyInitImage: ctx.proxyInitImage,
    inboundTrafficPolicyMode: ctx.inboundTrafficPolicyMode,
    compliancePolicy: ctx.compliancePolicy,
    proxyUID: ctx.proxyUID,
    proxyGID: ctx.proxyGID,
  };
  return new GoStruct(SIDECAR_TEMPLATE_DATA, input as Record<string, unknown>, true);
}

const named = (name: string): string => `(template "${name}")`;

/**
 * The rendered text as a strategic-merge patch: sigs.k8s.io/yaml.Unmarshal into
 * map[string]interface{} (empty output = empty patch). Istio reports any failure here as
 * "invalid JSON document" (mergepatch.ErrBadJSONDoc) while applying the first overlay.
 */
function patchFromYaml(name: string, rendered: string): PodPatch {
  const badDocument = (detail: string, cause?: unknown): never => {
    throw new InjectionError(
      InjectionErrorCode.mergeFailed,
      `failed parsing generated injected YAML (check Istio version): strategic merge: invalid JSON document ${named(name)}: ${detail}`,
      { cause },
    );
  };
  let doc: unknown;
  try {
    doc = parseYamlDocument(rendered);
  } catch (e) {
    return badDocument((e as Error).message, e);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainMap(doc)) return badDocument(`the output is a ${Array.isArray(doc) ? 'list' : typeof doc}, not a map`);
  return doc;
}

function adapt(name: string, tmpl: GoTemplate, mutable: boolean): Template {
  return (ctx) => {
    let rendered: string;
    try {
      rendered = tmpl.execute(templateData(ctx, mutable));
    } catch (e) {
      // Go's text ("template: inject:L:C: executing ..."), then which configured template it was.
      throw new InjectionError(InjectionErrorCode.templateFailed, `${(e as Error).message} ${named(name)}`, { cause: e });
    }
    return patchFromYaml(name, rendered);
  };
}

/**
 * A `TemplateCompiler` for Go text/template texts. Each (name, text) is parsed once and kept
 * (keyed by the text), so per pod a compile is a map lookup. A text that does not parse throws
 * a `ConfigError` naming the template, with Go's message.
 */
export function createGoTemplateCompiler(options: GoTemplateCompilerOptions = {}): TemplateCompiler {
  const funcs: FuncMap = createIstioFuncs({
    protoToJSON: (pc) => proxyConfigJson((pc ?? {}) as Parameters<typeof proxyConfigJson>[0]),
    toYaml: goYamlMarshal,
    env: options.env,
  });
  const maxCached = options.maxCached ?? 64;
  // text -> name -> compiled; texts are long, but the same string object comes back for every
  // pod of a configuration version, and V8 keeps a string's hash.
  const cache = new Map<string, Map<string, Template>>();
  return (name, text) => {
    const byName = cache.get(text);
    const hit = byName?.get(name);
    if (hit) return hit;
    let tmpl: GoTemplate;
    try {
      tmpl = parseTemplate(GO_TEMPLATE_NAME, text, funcs);
    } catch (e) {
      throw new ConfigError(`custom template "${name}": ${(e as Error).message}`, `templates.${name}`, { cause: e });
    }
    const compiled = adapt(name, tmpl, MUTATING_FUNCS.test(text));
    if (byName) byName.set(name, compiled);
    else {
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
      cache.set(text, new Map([[name, compiled]]));
    }
    return compiled;
  };
}

/**
 * Parses every custom template of a configuration version now (filling the compiler's cache),
 * as istiod does when it loads its config. Throws `ConfigError` for the first text that does not
 * parse, so a bad template rejects the configuration instead of failing pods later.
 */
export function compileCustomTemplates(compiler: TemplateCompiler, templates: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(templates).sort()) compiler(name, templates[name] as string);
}
