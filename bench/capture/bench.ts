/**
 * `sidecar-kit istio-iptables` start-up benchmark (not a test; needs root, iptables, nft).
 *
 * Wall time of the CLI programming a fresh network namespace, beside the floor measured in
 * the same run: an empty Node script's start-up plus the one program that must run anyway
 * (`iptables-restore --noflush` of the very same text, or `nft -f` of the same transaction).
 * Runs alternate between ours and the floor; every run gets a fresh namespace (not timed).
 * Every command is started through `nsenter --net=...`, so both sides pay that once per
 * process started inside the namespace. Reported: median and minimum in ms, ours/floor for
 * both (the minimum is the steadier figure on a busy machine), and the processes our CLI
 * spawned (it prints the count). Run it niced (`nice -n -20`) to keep other load out.
 *
 *   npm run build && npx tsx bench/capture/bench.ts
 *   (SK_CLI=<path to sidecar-kit.js> to time another build; BENCH_RUNS=n, default 25)
 *
 * NODE_EXTRA_CA_CERTS (set on some machines) costs Node 20 ~30-40 ms per start; it hits ours
 * and the floor alike. The bench runs each scenario with the caller's environment and again
 * with it unset, and prints both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { renderNft, renderNftCleanup } from '../../src/core/capture/nft.js';
import { parseCaptureSettings } from '../../src/core/config/capture.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const CLI = process.env.SK_CLI ?? resolve('dist/sidecar-kit.js');
const SIDECAR_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];

interface Scenario {
  readonly name: string;
  readonly args: readonly string[];
  /** The programs the floor runs besides Node, with their stdin. */
  readonly floor: readonly { readonly argv: readonly string[]; readonly stdin: string }[];
}

function scenarios(): Scenario[] {
  const cfg = (extra: Record<string, string>) => {
    const r = parseCaptureSettings({ proxyUid: '1337', interceptionMode: 'REDIRECT', outboundIpRangesInclude: '*', inboundPorts: '*', inboundPortsExclude: '15090,15021,15020', ...extra });
    if (!r.ok) throw new Error('bad bench config');
    return buildRules(r.config);
  };
  const v4 = cfg({ ipv6: 'false' });
  const dual = cfg({ ipv6: 'true' });
  return [
    { name: 'default sidecar args (IPv4, iptables-nft)', args: [...SIDECAR_ARGS, '--ipv6', 'false'], floor: [{ argv: ['iptables-nft-restore', '--noflush'], stdin: renderIptables(v4, 'v4') }] },
    {
      name: 'default sidecar args, IPv6 too',
      args: [...SIDECAR_ARGS, '--ipv6', 'true'],
      floor: [
        { argv: ['iptables-nft-restore', '--noflush'], stdin: renderIptables(dual, 'v4') },
        { argv: ['ip6tables-nft-restore', '--noflush'], stdin: renderIptables(dual, 'v6') },
      ],
    },
    { name: 'default sidecar args, native nftables', args: [...SIDECAR_ARGS, '--ipv6', 'false', '--native-nftables'], floor: [{ argv: ['nft', '-f', '-'], stdin: renderNftCleanup() + renderNft(v4) }] },
  ];
}

function timed(argv: readonly string[], opts: { stdin?: string; env: NodeJS.ProcessEnv }): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { input: opts.stdin, env: opts.env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function withNetns<T>(fn: (nsenter: string[]) => T): T {
  const name = `sk-bench-${process.pid}`;
  spawnSync('ip', ['netns', 'del', name]);
  if (spawnSync('ip', ['netns', 'add', name]).status !== 0) throw new Error('ip netns add failed (root needed)');
  try {
    return fn(['nsenter', `--net=/run/netns/${name}`, '--']);
  } finally {
    spawnSync('ip', ['netns', 'del', name]);
  }
}

/**
 * Whether Node knows the bundle is ESM from a package.json `"type": "module"` above it. Without
 * one (a build copied to /tmp or into an image as is), Node 20.19+ compiles each .js file as
 * CommonJS first, fails, and compiles it again as ESM: ~2 ms more per start, measured here.
 */
function declaredEsm(file: string): boolean {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
    if (dirname(dir) === dir) return false;
  }
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

function main(): void {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  if (!existsSync(CLI)) throw new Error(`no CLI at ${CLI}: npm run build (or set SK_CLI)`);
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, '');
  const withCa = { ...process.env };
  const withoutCa = { ...process.env };
  delete withoutCa.NODE_EXTRA_CA_CERTS;
  const envs: [string, NodeJS.ProcessEnv][] = process.env.NODE_EXTRA_CA_CERTS ? [['NODE_EXTRA_CA_CERTS set', withCa], ['NODE_EXTRA_CA_CERTS unset', withoutCa]] : [['', withCa]];
  console.log(`node ${process.version}, ${RUNS} runs per side, CLI ${CLI}\n`);
  if (!declaredEsm(CLI)) console.log('note: no package.json with "type": "module" above the CLI, so Node detects the module type by compiling twice\n');
  console.log('| scenario | env | ours median / min ms | floor median / min ms | ours/floor (median, min) | processes spawned |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  try {
    for (const s of scenarios()) {
      for (const [envName, env] of envs) {
        const ours: number[] = [];
        const floor: number[] = [];
        let spawned = '?';
        for (let i = 0; i < RUNS + 2; i++) {
          const o = withNetns((ns) => timed([...ns, process.execPath, CLI, 'istio-iptables', ...s.args], { env }));
          spawned = /(\d+) process\(es\) spawned/.exec(o.stdout)?.[1] ?? spawned;
          const f = withNetns((ns) => timed([process.execPath, empty], { env }).ms + s.floor.reduce((t, p) => t + timed([...ns, ...p.argv], { stdin: p.stdin, env }).ms, 0));
          if (i < 2) continue; // warm-up (page cache)
          ours.push(o.ms);
          floor.push(f);
        }
        const [m, fm, lo, flo] = [quantile(ours, 0.5), quantile(floor, 0.5), Math.min(...ours), Math.min(...floor)];
        console.log(`| ${s.name} | ${envName} | ${m.toFixed(1)} / ${lo.toFixed(1)} | ${fm.toFixed(1)} / ${flo.toFixed(1)} | ${(m / fm).toFixed(2)}, ${(lo / flo).toFixed(2)} | ${spawned} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
