/**
 * Public face of the engine: parse once (`parseTemplate`), execute many times.
 *
 *     const t = parseTemplate('sidecar', text, { ...sprigFuncs, ...myFuncs });
 *     const yaml = t.execute(data);
 *
 * Semantics are Go's text/template with the default `missingkey=default` option; errors are
 * coded `TemplateParseError` / `TemplateExecError` with Go's message text.
 */
import { BUILTINS } from './builtins.js';
import { execute, type ExecContext } from './exec.js';
import type { FuncMap } from './funcs.js';
import { parseTrees, type Tree } from './parser.js';

export interface ExecuteOptions {
  /** Template to run (a {{define}}d name); defaults to the parsed text itself. */
  readonly template?: string;
  /** Maximum nesting of {{template}} calls (Go allows 100000; JS stacks allow fewer). */
  readonly maxDepth?: number;
}

export class Template {
  private readonly ctxBase: Omit<ExecContext, 'maxDepth'>;

  private constructor(
    readonly name: string,
    text: string,
    private readonly trees: ReadonlyMap<string, Tree>,
    funcs: FuncMap,
  ) {
    this.ctxBase = { parseName: name, text, trees, funcs, builtins: BUILTINS };
  }

  /** Parses `text` as template `name`; `funcs` extends (and may override) Go's builtins. */
  static parse(name: string, text: string, funcs: FuncMap = {}): Template {
    const has = (f: string): boolean => Object.hasOwn(funcs, f) || Object.hasOwn(BUILTINS, f);
    return new Template(name, text, parseTrees(name, text, has), funcs);
  }

  /** Names of all templates in the set (the main one and every define/block). */
  templateNames(): string[] {
    return [...this.trees.keys()].sort();
  }

  /** Renders the template with `data` as dot. Throws TemplateExecError on failure. */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    const ctx: ExecContext = { ...this.ctxBase, maxDepth: options.maxDepth ?? 1000 };
    return execute(ctx, options.template ?? this.name, data);
  }
}

/** Parses a template text once; the result can be executed any number of times. */
export function parseTemplate(name: string, text: string, funcs: FuncMap = {}): Template {
  return Template.parse(name, text, funcs);
}
