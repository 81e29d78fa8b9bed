/**
 * Execution state shared by the evaluator and the walker: the template set being run, the
 * node being evaluated (Go's s.at, for error context), Go's error format, and the variable stack.
 */
import type { Node } from './ast.js';
import { nodeString } from './ast.js';
import { TemplateExecError } from './errors.js';
import type { FuncMap } from './funcs.js';
import { goQuote } from './go-fmt.js';
import type { Tree } from './parser.js';
import { byteLength } from './values.js';

/** "No final pipeline argument" (Go's missingVal). */
export const MISSING: unique symbol = Symbol('missing');
/** Panics used by {{break}} / {{continue}}, caught by range. */
export const BREAK = { walk: 'break' };
export const CONTINUE = { walk: 'continue' };

export interface ExecContext {
  /** Name of the template being parsed (ParseName: used in locations). */
  readonly parseName: string;
  readonly text: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: FuncMap;
  readonly builtins: FuncMap;
  readonly maxDepth: number;
}

export interface Variable {
  readonly name: string;
  value: unknown;
}

export abstract class Scope {
  protected node: Node | undefined;

  constructor(
    protected readonly ctx: ExecContext,
    protected readonly tmplName: string,
    protected readonly vars: Variable[],
  ) {}

  protected at(node: Node): void {
    this.node = node;
  }

  protected errorf(msg: string, cause?: unknown): never {
    const name = this.tmplName;
    const node = this.node;
    if (!node) throw new TemplateExecError(`template: ${name}: ${msg}`, name, undefined, { cause });
    const text = this.ctx.text;
    const before = text.slice(0, node.pos);
    const nl = before.lastIndexOf('\n');
    let line = 1;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
    const col = byteLength(nl < 0 ? before : before.slice(nl + 1));
    const location = `${this.ctx.parseName}:${line}:${col}`;
    throw new TemplateExecError(`template: ${location}: executing ${goQuote(name)} at <${nodeString(node)}>: ${msg}`, name, { line, col }, { cause });
  }


  protected push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  protected setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  protected setTopVar(n: number, value: unknown): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }
  protected varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }
}
