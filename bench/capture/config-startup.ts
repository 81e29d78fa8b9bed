/**
 * What a zod/mini capture config would cost `sidecar-kit istio-iptables` per start (not a test).
 *
 * Bundles three entries the way scripts/build.mjs bundles a command (esbuild, ESM, unsplit,
 * tree-shaken) and parses the default sidecar settings once in a fresh Node process each:
 *   - table:           src/core/config/capture.ts, the parser table the product uses;
 *   - zod schema:      bench/capture/zod-config/schema.ts, composed from zod/mini's parts;
 *   - zod transforms:  bench/capture/zod-config/transforms.ts, one z.transform per setting.
 * The three give the same configs and issues (zod-config/equivalence.test.ts). Measured inside
 * each process: the module import (load, compile, build the schema) and the first parse; and
 * the wall time of the whole process. Rounds alternate between the entries. Reported: min,
 * 10th percentile and median in ms, and each zod entry's extra cost over the table.
 *
 *   nice -n -20 npx tsx bench/capture/config-startup.ts      (BENCH_RUNS=n, default 60)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const ENTRIES = {
  table: { module: 'src/core/config/capture.ts', fn: 'parseCaptureSettings' },
  'zod schema': { module: 'bench/capture/zod-config/schema.ts', fn: 'parseWithZodSchema' },
  'zod transforms': { module: 'bench/capture/zod-config/transforms.ts', fn: 'parseWithZodTransforms' },
} as const;
type Entry = keyof typeof ENTRIES;

// The settings `istio-iptables` parses for the default sidecar arguments.
const SETTINGS = { proxyPort: '15001', inboundCapturePort: '15006', proxyUid: '1337', interceptionMode: 'REDIRECT', outboundIpRangesInclude: '*', outboundIpRangesExclude: '', inboundPorts: '*', inboundPortsExclude: '15090,15021,15020', ipv6: 'false', dryRun: 'true' };
const PROBE = `const t0 = performance.now(); const m = await import(process.argv[1]); const t1 = performance.now();
const r = m.parse(${JSON.stringify(SETTINGS)}); const t2 = performance.now();
if (!r.ok) throw new Error('settings rejected'); process.stdout.write(JSON.stringify([t1 - t0, t2 - t1]));`;

async function bundle(dir: string): Promise<Record<Entry, string>> {
  const out = {} as Record<Entry, string>;
  for (const [name, { module, fn }] of Object.entries(ENTRIES) as [Entry, (typeof ENTRIES)[Entry]][]) {
    const src = join(dir, `${name.replace(/ /g, '-')}.ts`);
    writeFileSync(src, `export { ${fn} as parse } from ${JSON.stringify(resolve(module).replace(/\.ts$/, '.js'))};\n`);
    out[name] = src.replace(/\.ts$/, '.mjs');
    await build({ entryPoints: [src], outfile: out[name], bundle: true, format: 'esm', platform: 'node', target: 'node20', minifySyntax: true, logLevel: 'warning' });
  }
  return out;
}

const stats = (xs: number[]): { min: number; p10: number; median: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, p10: s[Math.floor(s.length / 10)] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN };
};
const fmt = (x: { min: number; p10: number; median: number }): string => `${x.min.toFixed(2)} / ${x.p10.toFixed(2)} / ${x.median.toFixed(2)}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-config-startup-'));
  try {
    const files = await bundle(dir);
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const samples = Object.fromEntries(Object.keys(files).map((k) => [k, { imp: [] as number[], parse: [] as number[], wall: [] as number[] }])) as Record<Entry, { imp: number[]; parse: number[]; wall: number[] }>;
    for (let i = 0; i < RUNS; i++) {
      for (const [name, file] of Object.entries(files) as [Entry, string][]) {
        const t = performance.now();
        const r = spawnSync('node', ['--input-type=module', '-e', PROBE, file], { env, encoding: 'utf8' });
        const wall = performance.now() - t;
        if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
        const [imp, parse] = JSON.parse(r.stdout) as [number, number];
        samples[name].imp.push(imp);
        samples[name].parse.push(parse);
        samples[name].wall.push(wall);
      }
    }
    const base = samples.table;
    console.log(`Node ${process.version}, ${RUNS} runs each, min / p10 / median in ms (NODE_EXTRA_CA_CERTS unset)\n`);
    console.log('| config | bundle KB | import | first parse | import + parse | extra over the table (p10) | process wall |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, s] of Object.entries(samples) as [Entry, (typeof samples)[Entry]][]) {
      const sum = s.imp.map((x, i) => x + (s.parse[i] ?? 0));
      const baseSum = base.imp.map((x, i) => x + (base.parse[i] ?? 0));
      const extra = stats(sum).p10 - stats(baseSum).p10;
      const kb = (statSync(files[name]).size / 1024).toFixed(0);
      console.log(`| ${name} | ${kb} | ${fmt(stats(s.imp))} | ${fmt(stats(s.parse))} | ${fmt(stats(sum))} | ${name === 'table' ? '–' : `+${extra.toFixed(2)}`} | ${fmt(stats(s.wall))} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
