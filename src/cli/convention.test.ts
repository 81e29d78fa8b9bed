import { describe, expect, it } from 'vitest';
import { FLAGS } from '../init/flags.js';
import { flagBool, flagValue, parseArgs, UsageError, type FlagSpec } from './convention.js';

const values = (argv: string[]): Record<string, string> => Object.fromEntries(parseArgs(argv, FLAGS).values);

describe('parseArgs (pflag semantics, on istio-iptables flags)', () => {
  it.each<[string, string[], Record<string, string>]>([
    ['long flag, separate value', ['--envoy-port', '15001'], { 'envoy-port': '15001' }],
    ['long flag with =', ['--envoy-port=15001'], { 'envoy-port': '15001' }],
    ['short flag, separate value', ['-p', '15001'], { 'envoy-port': '15001' }],
    ['short flag, attached value', ['-p15001'], { 'envoy-port': '15001' }],
    ['short flag with =', ['-p=15001'], { 'envoy-port': '15001' }],
    ['an empty value is a value', ['-x', '', '-b', ''], { 'istio-service-exclude-cidr': '', 'istio-inbound-ports': '' }],
    ['the next argument is taken even if it starts with a dash', ['-x', '-b'], { 'istio-service-exclude-cidr': '-b' }],
    ['bare boolean', ['--dry-run'], { 'dry-run': 'true' }],
    ['boolean =false', ['--dry-run=false'], { 'dry-run': 'false' }],
    ['short boolean =false', ['-n=false'], { 'dry-run': 'false' }],
    ['short group: boolean then a flag taking the next argument', ['-nb', '*'], { 'dry-run': 'true', 'istio-inbound-ports': '*' }],
    ['short group: boolean then an attached value', ['-nb8080'], { 'dry-run': 'true', 'istio-inbound-ports': '8080' }],
    ['a boolean repeated with the same value', ['-n', '--dry-run', '--dry-run=true'], { 'dry-run': 'true' }],
    ['Istio logging flags are accepted', ['--log_output_level=default:info', '--log_as_json'], { log_output_level: 'default:info', log_as_json: 'true' }],
  ])('%s', (_name, argv, want) => {
    expect(values(argv)).toEqual(want);
  });

  it('a boolean does not consume the next argument; "--" ends the flags', () => {
    expect(parseArgs(['--dry-run', 'false', '--', '-p'], FLAGS).positionals).toEqual(['false', '-p']);
  });

  it('-h/--help stops parsing, wherever it is', () => {
    expect(parseArgs(['-p', '1', '--help', '--nope'], FLAGS).help).toBe(true);
    expect(parseArgs(['-nh'], FLAGS).help).toBe(true);
    expect(parseArgs(['-p', '1'], FLAGS).help).toBe(false);
  });

  it('remembers how each flag was written', () => {
    const p = parseArgs(['-p', '1', '--inbound-capture-port=2'], FLAGS);
    expect(Object.fromEntries(p.spelled)).toEqual({ 'envoy-port': '-p', 'inbound-capture-port': '--inbound-capture-port' });
  });

  it.each<[string[], string]>([
    [['--nope'], 'unknown flag: --nope'],
    [['-y'], "unknown shorthand flag: 'y' in -y"],
    [['-ny'], "unknown shorthand flag: 'y' in -y"],
    [['--envoy-port'], 'flag needs an argument: --envoy-port'],
    [['-p'], "flag needs an argument: 'p' in -p"],
    [['---x'], 'bad flag syntax: ---x'],
    [['-p', '1', '--envoy-port', '2'], 'flag -p/--envoy-port given twice ("1", then "2"): it takes one value'],
    [['-p', '1', '-p', '1'], 'flag -p/--envoy-port given twice ("1", then "1"): it takes one value'],
    [['--dry-run', '--dry-run=false'], 'flag -n/--dry-run given twice ("true", then "false"): it takes one value'],
    [['--dry-run=maybe'], 'invalid argument "maybe" for --dry-run: expected true or false'],
  ])('%j fails with %j', (argv, message) => {
    expect(() => parseArgs(argv, FLAGS)).toThrow(new UsageError(message));
  });
});

describe('flag values from flags and the environment', () => {
  const port: FlagSpec = { long: 'port', value: 'PORT', env: ['A_PORT', 'B_PORT'], help: '' };
  const on: FlagSpec = { long: 'on', env: ['ON'], help: '' };

  it.each<[string[], Record<string, string>, string | undefined, string | undefined]>([
    [['--port', '1'], { A_PORT: '2' }, '1', '--port'],
    [[], { A_PORT: '2', B_PORT: '3' }, '2', 'A_PORT (--port)'],
    [[], { A_PORT: '', B_PORT: '3' }, '3', 'B_PORT (--port)'],
    [[], {}, undefined, undefined],
  ])('%j %j → %s from %s', (argv, env, text, from) => {
    const v = flagValue(parseArgs(argv, [port]), port, env);
    expect(v?.text).toBe(text);
    expect(v?.from).toBe(from);
  });

  it('booleans from the environment are checked like flags', () => {
    expect(flagBool(parseArgs([], [on]), on, { ON: 'true' })).toBe(true);
    expect(flagBool(parseArgs(['--on=false'], [on]), on, { ON: 'true' })).toBe(false);
    expect(() => flagBool(parseArgs([], [on]), on, { ON: 'yes please' })).toThrow('ON (--on): "yes please": expected true or false');
  });
});
