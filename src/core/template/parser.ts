/**
 * Parser for Go's text/template (text/template/parse/parse.go), with Go's error messages.
 * Produces one tree per template name: the main text plus each {{define}} / {{block}}.
 */
import type { ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { TemplateParseError } from './errors.js';
import { goUnquote, parseNumber } from './go-literals.js';
import { T, lex, tokenString, type Token } from './lexer.js';

export interface Tree {
  readonly name: string;
  readonly root: ListNode;
}

/** Parses `text`; `hasFunction` says which identifiers are callable (Go checks at parse time). */
export function parseTrees(name: string, text: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const tokens = lex(text);
  const trees = new Map<string, Tree>();
  const state = { i: 0, furthest: 0 };
  const main = new TreeParser(name, name, tokens, state, hasFunction, trees);
  main.parseMain();
  return trees;
}

function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    case 'comment':
      return true;
    default:
      return false;
  }
}

class TreeParser {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(
    private name: string,
    private readonly parseName: string,
    private readonly tokens: readonly Token[],
    private readonly state: { i: number; furthest: number },
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: Map<string, Tree>,
  ) {}

  // --- token stream (Go's next/peek/backup with a shared cursor) ---

  private at(i: number): Token {
    if (i > this.state.furthest) this.state.furthest = i;
    const t = this.tokens[i] ?? this.tokens[this.tokens.length - 1];
    if (!t) throw new Error('empty token stream');
    return t;
  }
  private next(): Token {
    return this.at(this.state.i++);
  }
  private backup(n = 1): void {
    this.state.i -= n;
  }
  private peek(): Token {
    return this.at(this.state.i);
  }
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === T.space) t = this.next();
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private errorf(msg: string): never {
    const line = this.at(this.state.furthest).line;
    throw new TemplateParseError(`template: ${this.parseName}:${line}: ${msg}`, this.parseName, line);
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === T.error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${t.val}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }

  private expect(type: string, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private add(root: ListNode): void {
    const existing = this.trees.get(this.name);
    if (!existing || isEmptyTree(existing.root)) {
      this.trees.set(this.name, { name: this.name, root });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${JSON.stringify(this.name)}`);
  }

  private child(name: string): TreeParser {
    return new TreeParser(name, this.parseName, this.tokens, this.state, this.hasFunction, this.trees);
  }

  // --- grammar ---

  parseMain(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== T.eof) {
      if (this.peek().type === T.leftDelim) {
        this.next();
        if (this.nextNonSpace().type === T.define) {
          this.child('definition').parseDefinition();
          continue;
        }
        // Back up to the delimiter (Go's backup2).
        do this.backup();
        while (this.peek().type !== T.leftDelim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.add(root);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.type !== T.string && t.type !== T.rawString) this.unexpected(t, context);
    const name = goUnquote(t.val);
    if (name === undefined) this.errorf('invalid syntax');
    this.name = name;
    this.expect(T.rightDelim, context);
    const [root, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(root);
  }

  private itemList(): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== T.eof) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.text:
        return { type: 'text', pos: t.pos, text: t.val };
      case T.leftDelim: {
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case T.comment:
        return { type: 'comment', pos: t.pos, text: t.val };
      default:
        this.unexpected(t, 'input');
    }
  }

  private action(): Node {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.block:
        return this.blockControl();
      case T.break:
      case T.continue:
        return this.breakControl(t);
      case T.else:
        return this.elseControl();
      case T.end:
        return { type: 'end', pos: this.expect(T.rightDelim, 'end').pos };
      case T.if:
        return this.ifControl();
      case T.range:
        return this.branch('range');
      case T.template:
        return this.templateControl();
      case T.with:
        return this.withControl();
      default:
        break;
    }
    this.backup();
    const start = this.peek();
    return { type: 'action', pos: start.pos, line: start.line, pipe: this.pipeline('command', T.rightDelim) };
  }

  private breakControl(t: Token): Node {
    const kind = t.type === T.break ? 'break' : 'continue';
    const n = this.nextNonSpace();
    if (n.type !== T.rightDelim) this.unexpected(n, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: t.pos, line: t.line };
  }

  private elseControl(): Node {
    const p = this.peekNonSpace();
    if (p.type === T.if || p.type === T.with) return { type: 'else', pos: p.pos, line: p.line };
    const t = this.expect(T.rightDelim, 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private ifControl(): BranchNode {
    return this.branch('if');
  }

  private withControl(): BranchNode {
    return this.branch('with');
  }

  private branch(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.rightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        // {{else if ...}} / {{else with ...}} nest a new if/with in the else branch.
        if (context === 'if' && this.peek().type === T.if) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.ifControl()] };
        } else if (context === 'with' && this.peek().type === T.with) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.withControl()] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private parseTemplateName(t: Token, context: string): string {
    if (t.type !== T.string && t.type !== T.rawString) this.unexpected(t, context);
    const name = goUnquote(t.val);
    if (name === undefined) this.errorf('invalid syntax');
    return name;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== T.rightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.rightDelim);
    }
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, T.rightDelim);
    const block = this.child(name);
    const [root, end] = block.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add(root);
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private pipeline(context: string, end: string): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    // Declarations or assignments: `$x :=`, `$x =`, `$i, $v :=` (range only).
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== T.variable) break;
      const save = this.state.i;
      this.nextNonSpace();
      const n = this.peekNonSpace();
      if (n.type === T.assign || n.type === T.declare) {
        pipe.isAssign = n.type === T.assign;
        this.nextNonSpace();
        pipe.decl.push(this.variable(v.pos, v.val));
        this.vars.push(v.val);
        break;
      }
      if (n.type === T.char && n.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.variable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === T.variable || p === T.rightDelim || p === T.rightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.state.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case T.bool:
        case T.charConstant:
        case T.complex:
        case T.dot:
        case T.field:
        case T.identifier:
        case T.number:
        case T.nil:
        case T.rawString:
        case T.string:
        case T.variable:
        case T.leftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0];
      if (first && (first.type === 'bool' || first.type === 'dot' || first.type === 'nil' || first.type === 'number' || first.type === 'string')) {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === T.space) continue;
      if (t.type === T.rightDelim || t.type === T.rightParen) this.backup();
      else if (t.type !== T.pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== T.field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === T.field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
      // falls through (errorf never returns)
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private variable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, ident: name.split('.') };
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.identifier:
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case T.dot:
        return { type: 'dot', pos: t.pos };
      case T.nil:
        return { type: 'nil', pos: t.pos };
      case T.variable: {
        const v = this.variable(t.pos, t.val);
        if (!this.vars.includes(v.ident[0] as string)) this.errorf(`undefined variable ${JSON.stringify(v.ident[0])}`);
        return v;
      }
      case T.field:
        return { type: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case T.bool:
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case T.charConstant:
      case T.complex:
      case T.number: {
        const n = parseNumber(t.val, t.type === T.charConstant);
        if (typeof n === 'string') this.errorf(n);
        return { type: 'number', pos: t.pos, text: t.val, ...n };
      }
      case T.leftParen:
        return this.pipeline('parenthesized pipeline', T.rightParen);
      case T.string:
      case T.rawString: {
        const s = goUnquote(t.val);
        if (s === undefined) this.errorf('invalid syntax');
        return { type: 'string', pos: t.pos, quoted: t.val, text: s };
      }
      default:
        this.backup();
        return undefined;
    }
  }
}
