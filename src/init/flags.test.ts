import { describe, expect, it } from 'vitest';
import { collectSettings, describeSource, FlagError, parseArgs } from './flags.js';

const values = (argv: string[]): Record<string, string> => Object.fromEntries(parseArgs(argv).values);

describe('parseArgs (pflag semantics)', () => {
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
    ['the last occurrence wins', ['-p', '1', '--envoy-port', '2'], { 'envoy-port': '2' }],
    ['Istio logging flags are accepted', ['--log_output_level=default:info', '--log_as_json'], { log_output_level: 'default:info', log_as_json: 'true' }],
  ])('%s', (_name, argv, want) => {
    expect(values(argv)).toEqual(want);
  });

  it('a boolean does not consume the next argument; "--" ends the flags', () => {
    expect(parseArgs(['--dry-run', 'false', '--', '-p']).positionals).toEqual(['false', '-p']);
  });

  it.each<[string[], string]>([
    [['--nope'], 'unknown flag: --nope'],
    [['-y'], "unknown shorthand flag: 'y' in -y"],
    [['-ny'], "unknown shorthand flag: 'y' in -y"],
    [['--envoy-port'], 'flag needs an argument: --envoy-port'],
    [['-p'], "flag needs an argument: 'p' in -p"],
    [['---x'], 'bad flag syntax: ---x'],
  ])('%j fails with %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new FlagError(message));
  });
});

describe('collectSettings', () => {
  const collect = (argv: string[], env: Record<string, string>) => collectSettings(parseArgs(argv), env);

  it('a flag wins over its variable', () => {
    const { settings, sources } = collect(['-k', 'eth1'], { KUBE_VIRT_INTERFACES: 'ethX' });
    expect(settings.kubeVirtInterfaces).toBe('eth1');
    expect(sources.get('kubeVirtInterfaces')?.kind).toBe('flag');
  });

  it.each<[string, Record<string, string>, string]>([
    ['the second listed variable wins', { REDIRECT_DNS: 'false', ISTIO_META_DNS_CAPTURE: 'true' }, 'true'],
    ['the first variable alone is used', { REDIRECT_DNS: 'true' }, 'true'],
    ['an empty variable counts as unset', { REDIRECT_DNS: 'true', ISTIO_META_DNS_CAPTURE: '' }, 'true'],
  ])('%s', (_name, env, want) => {
    expect(collect([], env).settings.redirectDns).toBe(want);
  });

  it('reads the environment-only settings', () => {
    const { settings } = collect([], { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888', ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8' });
    expect(settings).toMatchObject({ ownerGroupsExclude: '888', loopbackCidr: '127.0.0.1/8' });
  });

  it.each<[string[], Record<string, string>, string]>([
    [['-p', 'x'], {}, 'flag -p/--envoy-port'],
    [[], { INBOUND_CAPTURE_PORT: 'x' }, 'INBOUND_CAPTURE_PORT (flag -z/--inbound-capture-port)'],
    [[], { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: 'x' }, 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR'],
  ])('errors name where the value came from: %j %j', (argv, env, want) => {
    const { settings, sources } = collect(argv, env);
    const setting = Object.keys(settings)[0] as Parameters<typeof describeSource>[0];
    expect(describeSource(setting, sources.get(setting))).toBe(want);
  });
});
