/**
 * Executor for parsed Go templates (text/template/exec.go): walks the tree (text, actions,
 * if/with/range/template) on top of the evaluator. Missing map keys follow Go's default
 * `missingkey=default` (`<no value>` when printed).
 */
import type { BranchNode, Node, TemplateNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { Evaluator } from './exec-eval.js';
import { BREAK, CONTINUE, type ExecContext, type Variable } from './exec-scope.js';
import { TemplateExecError } from './errors.js';
import { formatV, goQuote } from './go-fmt.js';
import { GoEnum, GoMap, GoPtr, GoStruct, isPlainMap, isTrue, mapKeys, mapLookup, sliceItems, typeName } from './values.js';

export type { ExecContext } from './exec-scope.js';

/** Executes template `name` of the set against `data`, returning the output text. */
export function execute(ctx: ExecContext, name: string, data: unknown): string {
  const tree = ctx.trees.get(name);
  if (!tree) throw new TemplateExecError(`template: ${name}: ${goQuote(name)} is an incomplete or empty template`, name, undefined);
  const state = new State(ctx, name, [{ name: '$', value: data }], 0);
  try {
    state.walk(data, tree.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      throw new TemplateExecError(`template: ${name}: exceeded maximum template depth (${ctx.maxDepth})`, name, undefined, { cause: e });
    }
    throw e;
  }
  return state.out;
}

class State extends Evaluator {
  out = '';

  constructor(ctx: ExecContext, tmplName: string, vars: Variable[], private readonly depth: number) {
    super(ctx, tmplName, vars);
  }

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.out += node.text;
        return;
      case 'comment':
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(dot, node);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private printValue(node: Node, v: unknown): void {
    if (typeof v === 'string') {
      this.out += v;
      return;
    }
    this.at(node);
    let p = v;
    if (p instanceof GoPtr && p.target !== undefined) p = p.target;
    else if (p instanceof GoStruct && p.isPtr) p = new GoStruct(p.type, p.raw, false);
    if (p === undefined) this.out += '<no value>';
    else if (typeof p === 'function') this.errorf(`can't print ${nodeString(node)} of type ${typeName(p)}`);
    else this.out += formatV(p);
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const [truth, ok] = isTrue(val);
    if (!ok) this.errorf(`if/with can't use ${formatV(val)}`);
    if (truth) this.walk(node.type === 'with' ? val : dot, node.list);
    else if (node.elseList) this.walk(dot, node.elseList);
    this.vars.length = mark;
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const mark0 = this.vars.length;
    let val = this.evalPipeline(dot, r.pipe);
    if (val instanceof GoPtr) val = val.target;
    const mark = this.vars.length;
    const decl = r.pipe.decl;
    const one = (index: unknown, elem: unknown): void => {
      if (decl.length > 0) {
        if (r.pipe.isAssign) this.setVar((decl[0] as VariableNode).ident[0] as string, decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar((decl[1] as VariableNode).ident[0] as string, elem);
        else this.setTopVar(2, index);
      }
      try {
        this.walk(elem, r.list);
      } catch (e) {
        if (e !== CONTINUE) throw e;
      }
      this.vars.length = mark;
    };
    let ran = false;
    try {
      const items = sliceItems(val);
      if (items !== undefined) {
        for (let i = 0; i < items.length; i++) {
          ran = true;
          one(BigInt(i), items[i]);
        }
      } else if (val instanceof GoMap || isPlainMap(val)) {
        const m = val;
        for (const k of mapKeys(m) ?? []) {
          ran = true;
          one(k, mapLookup(m, k).value);
        }
      } else if (typeof val === 'bigint' || val instanceof GoEnum) {
        if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
        const n = typeof val === 'bigint' ? val : BigInt(val.value);
        for (let i = 0n; i < n; i++) {
          ran = true;
          one(undefined, i);
        }
      } else if (val !== undefined && val !== null) {
        this.errorf(`range can't iterate over ${formatV(val)}`);
      }
    } catch (e) {
      if (e !== BREAK) throw e;
      ran = true;
    }
    this.vars.length = mark0;
    if (!ran && r.elseList) this.walk(dot, r.elseList);
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.ctx.trees.get(t.name);
    if (!tree) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.ctx.maxDepth) this.errorf(`exceeded maximum template depth (${this.ctx.maxDepth})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const sub = new State(this.ctx, t.name, [{ name: '$', value: newDot }], this.depth + 1);
    try {
      sub.walk(newDot, tree.root);
    } finally {
      this.out += sub.out;
    }
  }
}
