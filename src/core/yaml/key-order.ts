/**
 * Map key order of go-yaml v2 (sorter.go `keyList.Less`) for string keys. It is not byte
 * order: runs of digits compare numerically ("a9" < "a10"), and at the first differing rune a
 * non-letter sorts before a letter ("_x" < "Ax"), letters compare by code point.
 */

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** unicode.IsLetter */
function isLetter(c: number): boolean {
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER.test(String.fromCodePoint(c));
}

/** unicode.IsDigit */
function isDigit(c: number): boolean {
  if (c < 128) return c >= 48 && c <= 57;
  return DIGIT.test(String.fromCodePoint(c));
}

/** Go `[]rune(s)`: code points, with lone surrogates read as U+FFFD like invalid UTF-8. */
export function toRunes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push((c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    out.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
  return out;
}

/** Go's int64 arithmetic `n*10 + (r - '0')`, wrapping on overflow like Go does. */
function accumulate(n: bigint, r: number): bigint {
  return BigInt.asIntN(64, n * 10n + BigInt(r - 48));
}

function runesLess(ar: readonly number[], br: readonly number[]): boolean {
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i] as number;
    const cb = br[i] as number;
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ca === 48 || cb === 48) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as number); j--) {
        if (ar[j] !== 48) {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as number); ai++) an = accumulate(an, ar[ai] as number);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as number); bi++) bn = accumulate(bn, br[bi] as number);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return ar.length < br.length;
}

/** go-yaml v2 `keyList.Less` for two string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  return runesLess(toRunes(a), toRunes(b));
}

/**
 * Keys in go-yaml v2 output order. keyList.Less is not always transitive ("a9" < "a10" < "a1b"
 * < "a9"); for such key sets go-yaml's own output depends on Go's random map iteration order,
 * so any order is as faithful as another. For every consistent set the order is unique.
 */
export function sortGoYamlKeys(keys: readonly string[]): string[] {
  const entries = keys.map((key) => ({ key, runes: toRunes(key) }));
  entries.sort((x, y) => (runesLess(x.runes, y.runes) ? -1 : runesLess(y.runes, x.runes) ? 1 : 0));
  return entries.map((e) => e.key);
}
