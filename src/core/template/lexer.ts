/**
 * Lexer for Go's text/template (text/template/parse/lex.go): delimiters `{{ }}`, trim markers
 * `{{- ` / ` -}}`, comments `{{/* *\/}}`, and the tokens inside actions. Produces the whole
 * token list up front and stops at the first error token, as Go's parser would.
 */

export const T = {
  error: 'error',
  bool: 'bool',
  char: 'char',
  charConstant: 'char constant',
  comment: 'comment',
  complex: 'complex',
  assign: '=',
  declare: ':=',
  eof: 'EOF',
  field: 'field',
  identifier: 'identifier',
  leftDelim: 'left delim',
  leftParen: '(',
  number: 'number',
  pipe: '|',
  rawString: 'raw string',
  rightDelim: 'right delim',
  rightParen: ')',
  space: 'space',
  string: 'string',
  text: 'text',
  variable: 'variable',
  // keywords
  block: 'block',
  break: 'break',
  continue: 'continue',
  dot: '.',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  nil: 'nil',
  range: 'range',
  template: 'template',
  with: 'with',
} as const;
export type TokenType = (typeof T)[keyof typeof T];

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ['.', T.dot],
  ['block', T.block],
  ['break', T.break],
  ['continue', T.continue],
  ['define', T.define],
  ['else', T.else],
  ['end', T.end],
  ['if', T.if],
  ['range', T.range],
  ['nil', T.nil],
  ['template', T.template],
  ['with', T.with],
]);
const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set(KEYWORDS.values());

export interface Token {
  readonly type: TokenType;
  /** Offset in the template text (UTF-16 index). */
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

/** Go's item.String(), used in "unexpected X in Y" messages. */
export function tokenString(t: Token): string {
  if (t.type === T.eof) return 'EOF';
  if (t.type === T.error) return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  const chars = [...t.val];
  if (chars.length > 10) return `${goQuoteSimple(chars.slice(0, 10).join(''))}...`;
  return goQuoteSimple(t.val);
}

function goQuoteSimple(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');
}

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

/** Length of leading / trailing Go space characters. */
function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}

function rightTrimLength(s: string, from: number, to: number): number {
  let i = to;
  while (i > from && isSpace(s[i - 1])) i--;
  return to - i;
}

function describeRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Tokenises a template text. The last token is EOF or an error. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  let pos = 0;
  let start = 0;
  let parenDepth = 0;

  const emit = (type: TokenType): void => {
    tokens.push({ type, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const fail = (msg: string): false => {
    tokens.push({ type: T.error, pos: start, val: msg, line: lineAt(start) });
    return false;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith(RIGHT, pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if (c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(') return true;
    return input.startsWith(RIGHT, pos);
  };

  /** Text up to the next left delimiter; returns false at EOF. */
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit(T.text);
      tokens.push({ type: T.eof, pos, val: '', line: lineAt(pos) });
      return false;
    }
    pos = x;
    const trim = hasLeftTrimMarker(input, x + LEFT.length) ? rightTrimLength(input, start, x) : 0;
    if (x - trim > start) {
      tokens.push({ type: T.text, pos: start, val: input.slice(start, x - trim), line: lineAt(start) });
    }
    start = x;
    return true;
  };

  const lexComment = (): boolean => {
    pos += LEFT_COMMENT.length;
    const x = input.indexOf(RIGHT_COMMENT, pos);
    if (x < 0) return fail('unclosed comment');
    pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    if (trim) pos += 2;
    pos += RIGHT.length;
    if (trim) pos += leftTrimLength(input, pos);
    start = pos;
    return true;
  };

  /** After `{{`: a comment or an action. */
  const lexLeftDelim = (): boolean => {
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(input, pos);
    const after = trim ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + after)) {
      pos += after;
      start = pos;
      return lexComment();
    }
    emit(T.leftDelim);
    pos += after;
    start = pos;
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexRightDelim = (trim: boolean): void => {
    if (trim) {
      pos += 2;
      start = pos;
    }
    pos += RIGHT.length;
    emit(T.rightDelim);
    if (trim) {
      pos += leftTrimLength(input, pos);
      start = pos;
    }
  };

  const lexQuote = (): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\') {
        const n = input[pos];
        if (n !== undefined && n !== '\n') {
          pos++;
          continue;
        }
        return fail('unterminated quoted string');
      }
      if (c === undefined || c === '\n') return fail('unterminated quoted string');
      if (c === '"') break;
    }
    emit(T.string);
    return true;
  };

  const lexRawQuote = (): boolean => {
    const x = input.indexOf('`', pos);
    if (x < 0) return fail('unterminated raw quoted string');
    pos = x + 1;
    emit(T.rawString);
    return true;
  };

  const lexChar = (): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\') {
        const n = input[pos];
        if (n !== undefined && n !== '\n') {
          pos++;
          continue;
        }
        return fail('unterminated character constant');
      }
      if (c === undefined || c === '\n') return fail('unterminated character constant');
      if (c === "'") break;
    }
    emit(T.charConstant);
    return true;
  };

  const acceptRun = (valid: string): void => {
    while (pos < input.length && valid.includes(input[pos] as string)) pos++;
  };
  const accept = (valid: string): boolean => {
    if (pos < input.length && valid.includes(input[pos] as string)) {
      pos++;
      return true;
    }
    return false;
  };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[pos])) {
      pos++;
      return false;
    }
    return true;
  };
  const lexNumber = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${goQuoteSimple(input.slice(start, pos))}`);
    const sign = input[pos];
    if (sign === '+' || sign === '-') {
      // Complex: 1+2i.
      if (!scanNumber() || input[pos - 1] !== 'i') return fail(`bad number syntax: ${goQuoteSimple(input.slice(start, pos))}`);
      emit(T.complex);
    } else {
      emit(T.number);
    }
    return true;
  };

  const lexFieldOrVariable = (type: TokenType): boolean => {
    if (atTerminator()) {
      emit(type === T.variable ? T.variable : T.dot);
      return true;
    }
    while (isAlphaNumeric(input[pos])) pos++;
    if (!atTerminator()) return fail(`bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos) ?? 0))}`);
    emit(type);
    return true;
  };

  const lexIdentifier = (): boolean => {
    while (isAlphaNumeric(input[pos])) pos++;
    const word = input.slice(start, pos);
    if (!atTerminator()) return fail(`bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos) ?? 0))}`);
    const kw = KEYWORDS.get(word);
    if (kw !== undefined) emit(kw);
    else if (word === 'true' || word === 'false') emit(T.bool);
    else emit(T.identifier);
    return true;
  };

  /** Tokens inside an action, up to and including the right delimiter. */
  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        lexRightDelim(trim);
        return true;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        // A run of spaces; careful with " -}}" which ends the action.
        let n = 0;
        while (isSpace(input[pos])) {
          pos++;
          n++;
        }
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
          pos--;
          if (n === 1) continue;
        }
        emit(T.space);
        continue;
      }
      pos++;
      let ok = true;
      switch (c) {
        case '=':
          emit(T.assign);
          break;
        case ':':
          if (input[pos] !== '=') return fail('expected :=');
          pos++;
          emit(T.declare);
          break;
        case '|':
          emit(T.pipe);
          break;
        case '"':
          ok = lexQuote();
          break;
        case '`':
          ok = lexRawQuote();
          break;
        case '$':
          ok = lexFieldOrVariable(T.variable);
          break;
        case "'":
          ok = lexChar();
          break;
        case '(':
          parenDepth++;
          emit(T.leftParen);
          break;
        case ')':
          parenDepth--;
          if (parenDepth < 0) return fail('unexpected right paren');
          emit(T.rightParen);
          break;
        default: {
          const next = input[pos];
          if (c === '.' && (next === undefined || next < '0' || next > '9')) {
            ok = lexFieldOrVariable(T.field);
          } else if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
            pos--;
            ok = lexNumber();
          } else if (isAlphaNumeric(c)) {
            pos--;
            ok = lexIdentifier();
          } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
            emit(T.char);
          } else {
            const ch = String.fromCodePoint(input.codePointAt(pos - 1) ?? 0);
            return fail(`unrecognized character in action: ${describeRune(ch)}`);
          }
        }
      }
      if (!ok) return false;
    }
  };

  for (;;) {
    if (!lexText()) break;
    if (!lexLeftDelim()) break;
  }
  return tokens;
}
