/** fmt.Sprintf's format parsing: flags, width, precision, `*`, `%[n]` indexes and error forms. */
import { NO_FLAGS, printArg, type Flags } from './go-fmt.js';
import { typeName } from './values.js';

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    flags: while (i < n) {
      switch (format[i]) {
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          break;
        case '#':
          f.sharp = true;
          break;
        case ' ':
          f.space = true;
          break;
        case '0':
          f.zero = true;
          break;
        default:
          break flags;
      }
      i++;
    }
    // Argument index [n].
    const idx = (): void => {
      if (format[i] !== '[') return;
      const close = format.indexOf(']', i);
      const num = Number(format.slice(i + 1, close));
      if (close > 0 && Number.isInteger(num) && num >= 1) {
        argNum = num - 1;
        reordered = true;
        i = close + 1;
      }
    };
    idx();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'bigint') {
        f.width = Number(w);
        if (f.width < 0) {
          f.minus = true;
          f.width = -f.width;
        }
      } else {
        out += '%!(BADWIDTH)';
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      idx();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'bigint' && p >= 0n) f.prec = Number(p);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    idx();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    out += printArg(arg, verb, f);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${printArg(a, 'v', NO_FLAGS)}`))
      .join(', ')})`;
  }
  return out;
}
