/**
 * The output half of go-yaml v2's libyaml port (emitterc.go): indentation bookkeeping and the
 * four scalar writers, with the same column / whitespace / indention state machine, so that line
 * folding at the 80-column best width happens exactly where go-yaml breaks lines.
 */
import { isBreak, isPrintable, isSpace, Style } from './scalar-analysis.js';

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

const ESCAPES = new Map<number, string>([
  [0x00, '0'], [0x07, 'a'], [0x08, 'b'], [0x09, 't'], [0x0a, 'n'], [0x0b, 'v'], [0x0c, 'f'],
  [0x0d, 'r'], [0x1b, 'e'], [0x22, '"'], [0x5c, '\\'], [0x85, 'N'], [0xa0, '_'], [0x2028, 'L'],
  [0x2029, 'P'],
]);

export class Emitter {
  private readonly parts: string[] = [];
  column = 0;
  whitespace = true;
  indention = true;
  indent = -1;
  flowLevel = 0;
  private readonly indents: number[] = [];
  private text: string | null = null;

  output(): string {
    return this.parts.join('');
  }

  /** Append ASCII text that contains no line break. */
  private put(s: string): void {
    this.parts.push(s);
    this.column += s.length;
  }

  private putBreak(): void {
    this.parts.push('\n');
    this.column = 0;
  }

  private writeChar(c: number): void {
    this.parts.push(c < 0x10000 ? String.fromCharCode(c) : String.fromCodePoint(c));
    this.column++;
  }

  private writeBreak(c: number): void {
    if (c === 0x0a) this.putBreak();
    else {
      this.writeChar(c);
      this.column = 0;
    }
  }

  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? -1;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = true;
    this.indention = true;
  }

  writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(indicator);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** A plain scalar known to need no analysis and no folding (see SAFE_PLAIN in emit.ts). */
  writeSimplePlain(text: string): void {
    if (!this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = false;
    this.indention = false;
  }

  /**
   * Write a scalar in the chosen style. `text` is the original string when its UTF-16 units are
   * exactly its code points (no astral characters), which lets runs be copied by slicing.
   */
  writeScalar(style: Style, v: readonly number[], allowBreaks: boolean, text: string | null = null): void {
    this.text = text;
    switch (style) {
      case Style.plain:
        return this.writePlain(v, allowBreaks);
      case Style.single:
        return this.writeSingleQuoted(v, allowBreaks);
      case Style.double:
        return this.writeDoubleQuoted(v, allowBreaks);
      case Style.literal:
        return this.writeLiteral(v);
    }
  }

  /** Index after the run of ordinary characters starting at `i` (no space, no break). */
  private wordEnd(v: readonly number[], i: number, extraStop: number): number {
    let j = i;
    while (j < v.length) {
      const c = v[j] as number;
      if (c === 0x20 || c === extraStop || isBreak(c)) break;
      j++;
    }
    return j;
  }

  private writeRun(v: readonly number[], from: number, to: number): void {
    if (to <= from) return;
    if (this.text !== null) {
      this.parts.push(this.text.slice(from, to));
      this.column += to - from;
      return;
    }
    for (let i = from; i < to; i += 4096) {
      this.parts.push(String.fromCodePoint(...v.slice(i, Math.min(to, i + 4096))));
    }
    this.column += to - from;
  }

  private writePlain(v: readonly number[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < v.length; ) {
      const c = v[i] as number;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && !isSpace(v[i + 1])) this.writeIndent();
        else this.put(' ');
        i++;
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(c);
        i++;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        const end = this.wordEnd(v, i, -1);
        this.writeRun(v, i, end);
        i = end;
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(v: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    const last = v.length - 1;
    for (let i = 0; i < v.length; ) {
      const c = v[i] as number;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < last && !isSpace(v[i + 1])) {
          this.writeIndent();
        } else this.put(' ');
        i++;
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(c);
        i++;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === 0x27) {
          this.put("''");
          i++;
        } else {
          const end = this.wordEnd(v, i, 0x27);
          this.writeRun(v, i, end);
          i = end;
        }
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeEscape(c: number): void {
    const short = ESCAPES.get(c);
    if (short !== undefined) {
      this.put(`\\${short}`);
      return;
    }
    const [letter, width] = c <= 0xff ? ['x', 2] : c <= 0xffff ? ['u', 4] : ['U', 8];
    this.put(`\\${letter}${c.toString(16).toUpperCase().padStart(width, '0')}`);
  }

  private writeDoubleQuoted(v: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    let spaces = false;
    const last = v.length - 1;
    // go-yaml's is_bom() ignores its index and tests the start of the value: a value that
    // begins with U+FEFF gets *every* character escaped (\x41 for 'A', \x20 for a space).
    const escapeAll = v[0] === 0xfeff;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] as number;
      if (escapeAll || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        this.writeEscape(c);
        spaces = false;
      } else if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < last) {
          this.writeIndent();
          if (isSpace(v[i + 1])) this.put('\\');
        } else this.put(' ');
        spaces = true;
      } else {
        this.writeChar(c);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  /** `|` block: indentation indicator when the text starts with a space or break, chomping hint. */
  private writeLiteral(v: readonly number[]): void {
    this.writeIndicator('|', true, false, false);
    if (isSpace(v[0]) || isBreak(v[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const n = v.length;
    let chomp = '';
    if (n === 0 || !isBreak(v[n - 1])) chomp = '-';
    else if (n === 1 || isBreak(v[n - 2])) chomp = '+';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (let i = 0; i < n; ) {
      const c = v[i] as number;
      if (isBreak(c)) {
        this.writeBreak(c);
        i++;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        let end = i;
        while (end < n && !isBreak(v[end])) end++;
        this.writeRun(v, i, end);
        i = end;
        this.indention = false;
        breaks = false;
      }
    }
  }
}
