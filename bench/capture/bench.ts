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
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { renderNft, renderNftCleanup } from '../../src/core/capture/nft.js';
import { parseCaptureSettings } from '../../src/core/config/capture.js';
import { SIDECAR_ARGS, declaredEsm, quantile, timed, withNetns } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const CLI = process.env.SK_CLI ?? resolve('dist/sidecar-kit.js');

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
