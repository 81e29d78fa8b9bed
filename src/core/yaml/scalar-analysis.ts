/**
 * libyaml's `yaml_emitter_analyze_scalar` as ported in go-yaml v2 (emitterc.go), on code points.
 * It decides which scalar styles can represent a value; the writers live in emitter.ts.
 */

export const Style = { plain: 1, single: 2, double: 3, literal: 4 } as const;
export type Style = (typeof Style)[keyof typeof Style];

export interface ScalarAnalysis {
  readonly multiline: boolean;
  readonly flowPlainAllowed: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

export const isSpace = (c: number | undefined): boolean => c === 0x20;
export const isBreak = (c: number | undefined): boolean =>
  c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09;
const isBlankz = (c: number | undefined): boolean => isBlank(c) || isBreak(c) || c === 0;

/**
 * go-yaml v2 `is_printable` evaluated on UTF-8: tab, CR, DEL, C1 controls, U+FEFF, U+FFFE/F and
 * every character outside the Basic Multilingual Plane (emoji!) count as non-printable, which
 * forces double quotes with \t, \x85, \uFEFF, \U0001F600 ... escapes.
 */
export function isPrintable(c: number): boolean {
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
}

/** UTF-8 length of a code point (go-yaml measures simple keys in bytes). */
export function utf8Width(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/** Code points of a JS string; lone surrogates become U+FFFD (Go's JSON encoder does the same). */
export function codePoints(s: string): number[] {
  const out: number[] = new Array<number>(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
      } else out[n++] = 0xfffd;
    } else out[n++] = c;
  }
  out.length = n;
  return out;
}

const FIRST_BOTH = new Set([...'#,[]{}&*!|>\'"%@`'].map((ch) => ch.charCodeAt(0)));
const LATER_FLOW = new Set([...',?[]{}'].map((ch) => ch.charCodeAt(0)));
const [DASH, QUESTION, COLON, HASH, DOT] = [0x2d, 0x3f, 0x3a, 0x23, 0x2e];

export function analyzeScalar(v: readonly number[]): ScalarAnalysis {
  const n = v.length;
  if (n === 0) {
    return { multiline: false, flowPlainAllowed: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  // go-yaml checks the first three *bytes*; "---" and "..." are ASCII so code points agree.
  if (n >= 3 && ((v[0] === DASH && v[1] === DASH && v[2] === DASH) || (v[0] === DOT && v[1] === DOT && v[2] === DOT))) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  for (let i = 0; i < n; i++) {
    const c = v[i] as number;
    const followedByWhitespace = i + 1 >= n || isBlank(v[i + 1]);
    if (i === 0) {
      if (FIRST_BOTH.has(c)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (c === QUESTION || c === COLON) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === DASH && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else if (LATER_FLOW.has(c)) {
      flowIndicators = true;
    } else if (c === COLON) {
      flowIndicators = true;
      if (followedByWhitespace) blockIndicators = true;
    } else if (c === HASH && precededByWhitespace) {
      flowIndicators = true;
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(c);
  }
  let flowPlainAllowed = true;
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    flowPlainAllowed = false;
    blockPlainAllowed = false;
  }
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    flowPlainAllowed = false;
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    flowPlainAllowed = false;
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks) {
    flowPlainAllowed = false;
    blockPlainAllowed = false;
  }
  if (flowIndicators) flowPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, flowPlainAllowed, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/** go-yaml v2 `yaml_emitter_select_scalar_style` (no tags, no anchors, no canonical mode). */
export function selectScalarStyle(
  requested: Style,
  a: ScalarAnalysis,
  length: number,
  simpleKey: boolean,
  flowLevel: number,
): Style {
  let style = requested;
  if (simpleKey && a.multiline) style = Style.double;
  if (style === Style.plain) {
    if ((flowLevel > 0 && !a.flowPlainAllowed) || (flowLevel === 0 && !a.blockPlainAllowed)) style = Style.single;
    if (length === 0 && (flowLevel > 0 || simpleKey)) style = Style.single;
  }
  if (style === Style.single && !a.singleQuotedAllowed) style = Style.double;
  if (style === Style.literal && (!a.blockAllowed || flowLevel > 0 || simpleKey)) style = Style.double;
  return style;
}
