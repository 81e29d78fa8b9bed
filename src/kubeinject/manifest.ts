/**
 * IntoResourceFile (§h.3): a multi-document manifest in, the injected manifest out. Documents
 * of recognised kinds are injected and re-serialised like Go's typed structs; everything else
 * is copied byte for byte. Every document is followed by `---`. Pure: the whole output is built
 * before anything is written, so a failing document leaves no partial output.
 */
import { emitYaml } from '../core/yaml/emit.js';
import { splitYamlDocuments } from '../core/yaml/parse.js';
import { decodeDocument } from './decode.js';
import { intoObject, RECOGNISED_KINDS, type InjectContext } from './workload.js';

export interface ManifestResult {
  readonly output: string;
  /** Skip messages, each ending with a newline (as istioctl prints them). */
  readonly warnings: readonly string[];
}

/** A document that could not be processed; the message names it. */
export class ManifestError extends Error {
  constructor(
    message: string,
    readonly documentIndex: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ManifestError';
  }
}

/** How messages name a document: `Deployment "shop/web" (document 2)`. */
export function describe(doc: unknown, index: number): string {
  const at = `document ${index + 1}`;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return at;
  const o = doc as Record<string, unknown>;
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const ns = typeof meta.namespace === 'string' && meta.namespace ? `${meta.namespace}/` : '';
  return `${typeof o.kind === 'string' && o.kind ? o.kind : 'object'} "${ns}${name}" (${at})`;
}

/**
 * The document loop kube-inject and kube-uninject share: splits `text`, decodes each document and
 * hands every object of a recognised kind to `transform`, which answers the document's new text
 * (or undefined to keep it); everything else is copied byte for byte. Each document is followed
 * by `---`. A document that cannot be split or decoded throws ManifestError naming it.
 */
export function mapRecognisedDocuments(text: string, transform: (doc: Record<string, unknown>, index: number) => string | undefined): string {
  let docs: string[];
  try {
    docs = splitYamlDocuments(text);
  } catch (e) {
    throw new ManifestError(`cannot split input into YAML documents: ${(e as Error).message}`, -1, { cause: e });
  }
  const out: string[] = [];
  docs.forEach((raw, index) => {
    let doc: unknown;
    try {
      doc = decodeDocument(raw);
    } catch (e) {
      throw new ManifestError(`document ${index + 1}: ${(e as Error).message}`, index, { cause: e });
    }
    const kind = (doc as Record<string, unknown> | null | undefined)?.kind;
    const done = typeof kind === 'string' && RECOGNISED_KINDS.has(kind) ? transform(doc as Record<string, unknown>, index) : undefined;
    out.push(done ?? raw, '---\n');
  });
  return out.join('');
}

/** Injects every document of `text`. Throws ManifestError naming the failing document. */
export function injectManifest(text: string, ctx: Omit<InjectContext, 'warn'>): ManifestResult {
  // istioctl kube-inject does not add the (deprecated) injectedAnnotations; only the webhook does.
  const settings = { ...ctx.settings, injector: { ...ctx.settings.injector, injectedAnnotations: {} } };
  const warnings: string[] = [];
  const output = mapRecognisedDocuments(text, (doc, index) => {
    try {
      return emitYaml(intoObject(doc, { ...ctx, settings, warn: (w) => warnings.push(w) }));
    } catch (e) {
      throw new ManifestError(`${describe(doc, index)}: ${(e as Error).message}`, index, { cause: e });
    }
  });
  return { output, warnings };
}
