/**
 * Map key order of go-yaml v2 (sorter.go `keyList.Less`) for string keys. It is not byte
 * order: runs of digits compare numerically ("a9" < "a10"), and at the first differing rune a
 * non-letter sorts before a letter ("_x" < "Ax"), letters compare by code point.
 */

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

const isLetter = (r: string): boolean => (r.charCodeAt(0) < 128 ? /[A-Za-z]/.test(r) : LETTER.test(r));
const isDigit = (r: string): boolean => (r.charCodeAt(0) < 128 ? r >= '0' && r <= '9' : DIGIT.test(r));
const codePoint = (r: string): number => r.codePointAt(0) as number;

/** Go's int64 arithmetic `n*10 + (r - '0')`, wrapping on overflow like Go does. */
function accumulate(n: bigint, r: string): bigint {
  return BigInt.asIntN(64, n * 10n + BigInt(codePoint(r) - 48));
}

/** Go `[]rune(s)`: code points, with lone surrogates read as U+FFFD like invalid UTF-8. */
export function toRunes(s: string): string[] {
  const out: string[] = [];
  for (const r of s) out.push(r.length === 1 && r >= '\ud800' && r <= '\udfff' ? '\ufffd' : r);
  return out;
}

/** go-yaml v2 `keyList.Less` for two string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = toRunes(a);
  const br = toRunes(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i] as string;
    const cb = br[i] as string;
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return codePoint(ca) < codePoint(cb);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ca === '0' || cb === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++) an = accumulate(an, ar[ai] as string);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as string); bi++) bn = accumulate(bn, br[bi] as string);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return codePoint(ca) < codePoint(cb);
  }
  return ar.length < br.length;
}

/**
 * Keys in go-yaml v2 output order. keyList.Less is not always transitive ("a9" < "a10" < "a1b"
 * < "a9"); for such key sets go-yaml's own output depends on Go's random map iteration order,
 * so any order is as faithful as another. For every consistent set the order is unique.
 */
export function sortGoYamlKeys(keys: readonly string[]): string[] {
  return [...keys].sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));
}
