/**
 * Evaluation of pipelines, commands, fields, methods and function calls (Go's exec.go
 * evalPipeline .. validateType): Go's argument conversion and error texts.
 */
import type { ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { canBeNil, assignable, findMethod } from './exec-methods.js';
import { BREAK, CONTINUE, MISSING, Scope } from './exec-scope.js';
import { TemplateExecError } from './errors.js';
import { FuncError, paramName, type FuncDef, type Param } from './funcs.js';
import { goQuote } from './go-fmt.js';
import { GoMap, GoPtr, GoStruct, isPlainMap, isTrue, mapLookup, structField, typeName, zeroValue } from './values.js';

type Final = unknown;

export abstract class Evaluator extends Scope {
  protected evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
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
    if (isBuiltin && name === 'call') argv.unshift(args[0] ? nodeString(args[0]) : 'call');
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
