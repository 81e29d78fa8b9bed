/**
 * Go's strconv float formatting ('e', 'f', 'g' with a precision or shortest), which fmt and
 * the template engine use to print float64 values: `fmt.Sprint(1000000.0)` is `1e+06`,
 * `fmt.Sprint(15020.0)` is `15020`, and ties round half to even on the exact binary value.
 */

interface Digits {
  /** Significant decimal digits without leading/trailing zeros ("" for zero). */
  readonly d: string;
  /** Decimal point position: value = 0.d × 10^dp. */
  readonly dp: number;
}

/** Shortest digits that round-trip (what Go's -1 precision and JS's toString both use). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant = '', exp = '0'] = x.toExponential().split('e');
  const d = mant.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1 };
}

/** Exact-ish digits of |x| with many places (toFixed/toExponential are exact up to 100 digits). */
function extendedDigits(x: number, sig: number): Digits {
  const [mant = '', exp = '0'] = x.toExponential(Math.min(100, Math.max(sig + 25, 20))).split('e');
  return { d: mant.replace('.', ''), dp: Number(exp) + 1 };
}

/** Rounds digit string `d` (with decimal point dp) to `n` significant digits, half to even. */
function roundDigits(src: Digits, n: number): Digits {
  const { d, dp } = src;
  if (n < 0) return { d: '', dp };
  if (d.length <= n) return { d: d.replace(/0+$/, ''), dp };
  let up: boolean;
  const next = d.charCodeAt(n) - 48;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (/[1-9]/.test(d.slice(n + 1))) up = true;
  else up = n > 0 && (d.charCodeAt(n - 1) - 48) % 2 === 1;
  let kept = d.slice(0, n);
  let newDp = dp;
  if (up) {
    const arr = kept.split('');
    let i = n - 1;
    while (i >= 0 && arr[i] === '9') {
      arr[i] = '0';
      i--;
    }
    if (i < 0) {
      kept = '1';
      newDp = dp + 1;
    } else {
      arr[i] = String(Number(arr[i]) + 1);
      kept = arr.join('');
    }
  }
  return { d: kept.replace(/0+$/, ''), dp: newDp };
}

function fmtE(digs: Digits, prec: number, e: string): string {
  let out = digs.d.length === 0 ? '0' : (digs.d[0] as string);
  if (prec > 0) {
    out += '.';
    const rest = digs.d.slice(1);
    out += rest.length >= prec ? rest.slice(0, prec) : rest.padEnd(prec, '0');
  }
  let exp = digs.d.length === 0 ? 0 : digs.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  return `${out}${e}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(digs: Digits, prec: number): string {
  let out: string;
  if (digs.dp > 0) {
    const ip = digs.d.slice(0, digs.dp);
    out = ip.padEnd(digs.dp, '0');
  } else {
    out = '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1;
      out += j < 0 || j >= digs.d.length ? '0' : digs.d[j];
    }
  }
  return out;
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for fmt in e/E/f/F/g/G; prec -1 means shortest.
 * Returns the text without sign handling for NaN/Inf (callers handle those).
 */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(abs);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else if (abs === 0) {
    digs = { d: '', dp: 0 };
  } else {
    const ext = extendedDigits(abs, prec + 1);
    if (fmt === 'e' || fmt === 'E') digs = roundDigits(ext, prec + 1);
    else if (fmt === 'f') digs = roundDigits(ext, ext.dp + prec);
    else digs = roundDigits(ext, prec === 0 ? 1 : prec);
    if (fmt === 'g' || fmt === 'G') {
      if (prec === 0) prec = 1;
    }
  }
  let body: string;
  switch (fmt) {
    case 'e':
    case 'E':
      body = fmtE(digs, prec, fmt);
      break;
    case 'f':
      body = fmtF(digs, prec);
      break;
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
        let p = prec;
        if (p > digs.d.length) p = digs.d.length;
        body = fmtE(digs, p - 1, fmt === 'g' ? 'e' : 'E');
      } else {
        let p = prec;
        if (p > digs.dp) p = digs.d.length;
        body = fmtF(digs, Math.max(p - digs.dp, 0));
      }
    }
  }
  return neg ? `-${body}` : body;
}
