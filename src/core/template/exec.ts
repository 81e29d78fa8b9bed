/**
 * Executor for parsed Go templates (text/template/exec.go): pipelines, variables, field and
 * method access on typed/untyped data, function calls with Go's argument conversion,
 * if/with/range/template, and Go's error messages with line:column and node context.
 * Missing map keys follow Go's default `missingkey=default` (`<no value>` when printed).
 */
import type { ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { TemplateExecError } from './errors.js';
import { FuncError, paramName, type FuncDef, type FuncMap, type Param } from './funcs.js';
import { formatV, goQuote, stringerText } from './go-fmt.js';
import type { Tree } from './parser.js';
import {
  GoEnum,
  GoMap,
  GoPtr,
  GoStruct,
  byteLength,
  isPlainMap,
  isTrue,
  mapKeys,
  mapLookup,
  protoGetter,
  sliceItems,
  structField,
  typeName,
  zeroValue,
} from './values.js';

const MISSING: unique symbol = Symbol('missing');
type Final = unknown;
const BREAK = { walk: 'break' };
const CONTINUE = { walk: 'continue' };

export interface ExecContext {
  /** Name of the template being parsed (ParseName: used in locations). */
  readonly parseName: string;
  readonly text: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: FuncMap;
  readonly builtins: FuncMap;
  readonly maxDepth: number;
}

interface Variable {
  readonly name: string;
  value: unknown;
}

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

class State {
  out = '';
  private node: Node | undefined;

  constructor(
    private readonly ctx: ExecContext,
    private readonly tmplName: string,
    private readonly vars: Variable[],
    private readonly depth: number,
  ) {}

  // --- errors ---

  private at(node: Node): void {
    this.node = node;
  }

  errorf(msg: string, cause?: unknown): never {
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

  // --- variables ---

  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---

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

  // --- evaluation ---

  private evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // An interface{} holding nil is "no value" once it leaves a command.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      const name = v.ident[0] as string;
      if (pipe.isAssign) this.setVar(name, value);
      else this.push(name, value);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through (errorf never returns)
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.isComplex) this.errorf(`complex constant ${n.text} is not supported`);
    const isHexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    const isRuneInt = n.text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [v], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: readonly string[], args: readonly ArgNode[] | undefined, final: Final): unknown {
    const n = ident.length;
    let r = receiver;
    for (let i = 0; i < n - 1; i++) r = this.evalField(dot, ident[i] as string, node, undefined, MISSING, r);
    return this.evalField(dot, ident[n - 1] as string, node, args, final, r);
  }

  private evalField(dot: unknown, name: string, node: Node, args: readonly ArgNode[] | undefined, final: Final, receiver: unknown): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const method = findMethod(receiver, name);
    if (method) return this.evalCall(dot, method, false, node, name, args, final);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    if (receiver instanceof GoStruct) {
      const f = structField(receiver, name);
      if (f.found) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return f.value;
      }
    } else if (receiver instanceof GoMap || isPlainMap(receiver)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      const r = mapLookup(receiver, name);
      return r.found ? r.value : undefined;
    } else if (receiver instanceof GoPtr && receiver.target === undefined) {
      const elem = receiver.type.elem;
      const known = elem.kind !== 'struct' || !elem.def || elem.def.special === 'open' || elem.def.lookup.has(name);
      if (known) this.errorf(`nil pointer evaluating ${receiver.type.name}.${name}`);
    }
    this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const user = this.ctx.funcs[name];
    const fn = user ?? this.ctx.builtins[name];
    if (!fn) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, fn, user === undefined, cmd, name, args, final);
  }

  private evalCall(dot: unknown, fn: FuncDef, isBuiltin: boolean, node: Node, name: string, nodeArgs: readonly ArgNode[] | undefined, final: Final): unknown {
    const args = nodeArgs ? nodeArgs.slice(1) : [];
    const numParams = fn.params.length;
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    const variadic = fn.variadic;
    if (variadic !== undefined) {
      if (numIn < numParams) this.errorf(`wrong number of args for ${name}: want at least ${numParams} got ${args.length}`);
    } else if (numIn !== numParams) {
      this.errorf(`wrong number of args for ${name}: want ${numParams} got ${numIn}`);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, 'value', a);
        if (isTrue(v)[0] === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = new Array<unknown>(numIn);
    let i = 0;
    const fixed = variadic !== undefined ? numParams : args.length;
    for (; i < fixed && i < args.length; i++) argv[i] = this.evalArg(dot, fn.params[i] as Param, args[i] as ArgNode);
    if (variadic !== undefined) for (; i < args.length; i++) argv[i] = this.evalArg(dot, variadic, args[i] as ArgNode);
    if (final !== MISSING) {
      const t = variadic !== undefined && numIn - 1 >= numParams ? variadic : (fn.params[numIn - 1] as Param);
      argv[i] = this.validateType(final, t);
    }
    if (isBuiltin && name === 'call') argv.unshift(nodeString(args[0] as ArgNode));
    try {
      return (fn.impl as (...a: unknown[]) => unknown)(...argv);
    } catch (e) {
      if (e === BREAK || e === CONTINUE || e instanceof TemplateExecError) throw e;
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`, e instanceof FuncError ? undefined : e);
    }
  }

  private evalArg(dot: unknown, param: Param | undefined, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, param);
      case 'nil':
        if (param === undefined || param === 'any' || param === 'value') return param === 'any' ? null : undefined;
        if (typeof param === 'object' && canBeNil(param)) return zeroValue(param);
        this.errorf(`cannot assign nil to ${paramName(param)}`);
      // falls through (errorf never returns)
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), param);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), param);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), param);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), param);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), param);
      default:
        break;
    }
    switch (param) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through
      case 'float':
        if (n.type === 'number' && n.isFloat) return n.float;
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through
      case undefined:
      case 'any':
      case 'value':
        switch (n.type) {
          case 'bool':
            return n.value;
          case 'number':
            return this.idealConstant(n);
          case 'string':
            return n.text;
        }
      // falls through
      default:
        this.errorf(`can't handle ${nodeString(n)} for arg of type ${paramName(param as Param)}`);
    }
  }

  /** Go's validateType: converts a computed value to a parameter type or fails like Go. */
  private validateType(value: unknown, param: Param | undefined): unknown {
    if (param === undefined || param === 'value') return value;
    if (value === undefined || (value === null && param === 'any')) {
      if (param === 'any') return null;
      if (typeof param === 'object' && canBeNil(param)) return zeroValue(param);
      this.errorf(`invalid value; expected ${paramName(param)}`);
    }
    if (param === 'any') return value;
    let v = value;
    if (v instanceof GoPtr && param !== v.type && !(typeof param === 'object' && param.kind === 'ptr')) {
      if (v.target === undefined) this.errorf(`dereference of nil pointer of type ${paramName(param)}`);
      v = v.target;
    }
    switch (param) {
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'int':
        if (typeof v === 'bigint') return v;
        break;
      case 'float':
        if (typeof v === 'number') return v;
        break;
      case 'bool':
        if (typeof v === 'boolean') return v;
        break;
      default:
        if (assignable(v, param)) return v;
    }
    this.errorf(`wrong type for value; expected ${paramName(param)}; got ${value === null ? 'interface {}' : typeName(value)}`);
  }
}

function canBeNil(t: Param): boolean {
  if (typeof t !== 'object') return t === 'any' || t === 'value';
  return t.kind === 'map' || t.kind === 'slice' || t.kind === 'ptr' || t.kind === 'interface';
}

/** Whether a value may be passed for a parameter of Go type `t` (typed params only). */
function assignable(v: unknown, t: Exclude<Param, string>): boolean {
  if (t.kind === 'interface') return true;
  if (v instanceof GoStruct) {
    if (t.kind === 'struct') return v.type === t;
    return t.kind === 'ptr' && t.elem === v.type;
  }
  return typeName(v) === t.name;
}

/** Methods reachable on a value: declared struct methods, protobuf getters, String() of Stringers. */
function findMethod(receiver: unknown, name: string): FuncDef | undefined {
  if (receiver instanceof GoEnum) {
    if (name === 'String') return { params: [], impl: () => receiver.name };
    if (name === 'Number') return { params: [], impl: () => BigInt(receiver.value) };
    return undefined;
  }
  let def;
  let raw: Record<string, unknown> | undefined;
  if (receiver instanceof GoStruct) {
    def = receiver.def;
    raw = receiver.raw;
  } else if (receiver instanceof GoPtr && receiver.target === undefined && receiver.type.elem.kind === 'struct') {
    def = receiver.type.elem.def;
  }
  if (!def) return undefined;
  const m = def.methods.get(name);
  if (m) return { params: [], impl: () => m(raw, []) };
  const g = protoGetter(def, raw, name);
  if (g.found) return { params: [], impl: () => g.value };
  if (name === 'String' && receiver instanceof GoStruct) {
    const s = stringerText(receiver);
    if (s !== undefined) return { params: [], impl: () => s };
  }
  return undefined;
}
