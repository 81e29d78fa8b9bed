/**
 * `kube-inject` side by side with istioctl (issue 11 §4), called by bench/istio/bench.ts: the
 * process `sidecar-kit kube-inject -f examples/shop.yaml` in both shipped forms — the bundle run
 * by Node (`node dist/sidecar-kit.js`) and the single executable (`dist/bin/sidecar-kit`, started
 * from its V8 snapshot) — vs `istioctl kube-inject` built from the pinned module
 * (scripts/istio-oracle.mjs buildIstioBinary, cached beside the oracle), on the same inputs:
 * Istio's chart defaults as files (values, mesh config, injector config; ours without the
 * template texts, as our chart renders it: our-config.ts), native sidecars off.
 * Checks once that all print the same bytes, then runs them in interleaved rounds (the order
 * rotating each round) and keeps the medians of their wall times, and of their CPU times
 * (user + system, from the children's resource usage).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { writeOurInjectorConfig } from './our-config.js';

export interface KubeInjectVsIstioctlOptions {
  /** istioctl built from the module. */
  readonly istioctl: string;
  /** The built CLI (dist/sidecar-kit.js). */
  readonly cli: string;
  /** The single executable (dist/bin/sidecar-kit), when measured. */
  readonly executable?: string;
  readonly manifest: string;
  readonly files: { readonly values: string; readonly config: string; readonly mesh: string };
  /** A scratch directory for our injector config. */
  readonly dir: string;
  readonly runs?: number;
}

export interface ProcessFigure {
  /** Median wall time of one run. */
  readonly ms: number;
  /** Median CPU time (user + system) of one run. */
  readonly cpuMs: number;
  /** istioctl's median wall time ÷ this one's (above 1: we are faster). */
  readonly ratio: number;
}

export interface KubeInjectVsIstioctl {
  readonly bundle: ProcessFigure;
  readonly executable?: ProcessFigure;
  readonly istioctl: Omit<ProcessFigure, 'ratio'>;
  /** The faster shipped form and its figure. */
  readonly best: { readonly form: 'bundle' | 'executable'; readonly ratio: number };
  readonly identical: boolean;
  readonly runs: number;
}

type Command = [string, string[]];

let ticksPerSecond: number | undefined;
/**
 * CPU time (user + system) of this process's waited-for children so far, in ms: cutime + cstime
 * of /proc/self/stat (clock ticks, 10 ms on Linux: a coarse figure, medians over many runs).
 */
function readSelfStat(): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const text = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  return ((cutime + cstime) * 1000) / ticksPerSecond;
}

export function benchKubeInjectVsIstioctl(opts: KubeInjectVsIstioctlOptions): KubeInjectVsIstioctl {
  const { values, config, mesh } = opts.files;
  const env = { ...process.env, ENABLE_NATIVE_SIDECARS: 'false' };
  const ourConfig = writeOurInjectorConfig(config, path.join(opts.dir, 'kube-inject-config.yaml'));
  // `-r default`: without a revision istioctl looks the default revision up in a cluster (and
  // waits for one when there is none); ours gets the same flag.
  const ourArgs = ['kube-inject', '-r', 'default', '-f', opts.manifest, '--valuesFile', values, '--meshConfigFile', mesh, '--injectConfigFile', ourConfig];
  const commands: Record<string, Command> = {
    bundle: [process.execPath, [opts.cli, ...ourArgs]],
    ...(opts.executable ? { executable: [opts.executable, ourArgs] as Command } : {}),
    istioctl: [opts.istioctl, ['kube-inject', '-r', 'default', '-f', opts.manifest, '--valuesFile', values, '--meshConfigFile', mesh, '--injectConfigFile', config]],
  };
  const run = ([cmd, args]: Command) => {
    const c0 = readSelfStat();
    const t0 = performance.now();
    const p = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: 60_000 });
    const ms = performance.now() - t0;
    const cpuMs = readSelfStat() - c0;
    if (p.status !== 0) throw new Error(`${path.basename(cmd)} kube-inject failed (${p.status ?? p.signal}): ${p.stderr}`);
    return { ms, cpuMs, out: p.stdout };
  };
  const names = Object.keys(commands);
  const outputs = names.map((n) => run(commands[n] as Command).out);
  const identical = outputs.every((o) => o === outputs[0]);
  const runs = opts.runs ?? 11;
  const t = Object.fromEntries(names.map((n) => [n, { ms: [] as number[], cpu: [] as number[] }]));
  for (let k = 0; k < runs; k++) {
    // Rotate who goes first: a process right after another one's exit meets a different machine.
    for (let j = 0; j < names.length; j++) {
      const n = names[(k + j) % names.length] as string;
      const r = run(commands[n] as Command);
      t[n]?.ms.push(r.ms);
      t[n]?.cpu.push(r.cpuMs);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const istioctl = { ms: median(t.istioctl?.ms ?? []), cpuMs: median(t.istioctl?.cpu ?? []) };
  const figure = (n: string): ProcessFigure => {
    const ms = median(t[n]?.ms ?? []);
    return { ms, cpuMs: median(t[n]?.cpu ?? []), ratio: istioctl.ms / ms };
  };
  const bundle = figure('bundle');
  const executable = opts.executable ? figure('executable') : undefined;
  const best = executable && executable.ratio > bundle.ratio ? { form: 'executable' as const, ratio: executable.ratio } : { form: 'bundle' as const, ratio: bundle.ratio };
  return { bundle, executable, istioctl, best, identical, runs };
}
