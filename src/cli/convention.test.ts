import { describe, expect, it, vi } from 'vitest';
import { FLAGS } from '../init/flags.js';
import { ExitCode, flagBool, flagValue, HELP, parseArgs, parseCommandLine, UsageError, type CommandSpec, type FlagSpec } from '../cli-kit/convention.js';

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

describe("parseCommandLine: every command's opening", () => {
  const spec: CommandSpec = { name: 'demo', summary: 'a demo command', usage: ['[flags]'], flags: FLAGS, examples: [] };
  const capture = (stream: NodeJS.WriteStream): { text: () => string; restore: () => void } => {
    let out = '';
    const spy = vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    return { text: () => out, restore: () => spy.mockRestore() };
  };

  it('hands back what the parser read', async () => {
    expect(await parseCommandLine(spec, () => parseArgs(['-p', '15001'], FLAGS).values.get('envoy-port'))).toEqual({ value: '15001' });
  });

  it('HELP prints the help on stdout and exits 0', async () => {
    const out = capture(process.stdout);
    try {
      expect(await parseCommandLine(spec, () => HELP)).toEqual({ exit: ExitCode.ok });
    } finally {
      out.restore();
    }
    expect(out.text()).toContain('a demo command');
  });

  it('a usage error is reported naming the command and exits 2; any other error propagates', async () => {
    const err = capture(process.stderr);
    try {
      expect(await parseCommandLine(spec, () => parseArgs(['--no-such-flag'], FLAGS))).toEqual({ exit: ExitCode.usage });
    } finally {
      err.restore();
    }
    expect(err.text()).toMatch(/^error: .*no-such-flag.*\nRun 'sidecar-kit demo --help' for usage\.\n$/s);
    await expect(parseCommandLine(spec, () => {
      throw new RangeError('not a usage error');
    })).rejects.toThrow(RangeError);
  });
});
