/**
 * Sprig v3's text function map (Masterminds/sprig TxtFuncMap) as far as it is deterministic:
 * strings, regex, lists, dicts, math, defaults, encoding, reflection, paths, semver.
 * Left out on purpose: date/time functions (no clock in the pure core), random values
 * (randAlpha, uuidv4, shuffle), crypto key generation, DNS lookups.
 */
import { fn, type FuncMap } from './funcs.js';
import { SPRIG_COLLECTIONS } from './sprig-collections.js';
import { SPRIG_MISC } from './sprig-misc.js';
import { SPRIG_STRINGS } from './sprig-strings.js';

export interface SprigDeps {
  /** Environment lookup for `env` / `expandenv`; without it both see an empty environment. */
  readonly env?: (key: string) => string | undefined;
}

/** os.ExpandEnv: `$VAR` and `${VAR}` replaced from the lookup. */
function expandEnv(s: string, env: (key: string) => string | undefined): string {
  return s.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+|[*#$@!?\-0-9]))/g, (_m, braced: string | undefined, bare: string | undefined) => env(braced ?? bare ?? '') ?? '');
}

export function createSprigFuncs(deps: SprigDeps = {}): FuncMap {
  const env = deps.env ?? (() => undefined);
  const s = SPRIG_STRINGS;
  return {
    ...SPRIG_STRINGS,
    ...SPRIG_COLLECTIONS,
    ...SPRIG_MISC,
    trimall: s['trimAll'] as FuncMap[string],
    mustRegexFind: s['regexFind'] as FuncMap[string],
    mustRegexFindAll: s['regexFindAll'] as FuncMap[string],
    mustRegexReplaceAll: s['regexReplaceAll'] as FuncMap[string],
    mustRegexReplaceAllLiteral: s['regexReplaceAllLiteral'] as FuncMap[string],
    mustRegexSplit: s['regexSplit'] as FuncMap[string],
    env: fn(['string'], (k: string) => env(k) ?? ''),
    expandenv: fn(['string'], (v: string) => expandEnv(v, env)),
  };
}
