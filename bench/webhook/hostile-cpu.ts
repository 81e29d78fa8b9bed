/**
 * CPU time of one admission per hostile request kind (bench/webhook/hostile-requests.ts), in
 * process (`handleInjectRequest`, the real core, memo off): the best of several runs, by
 * `process.cpuUsage`. An argument keeps only the kinds whose name contains it (for a profile:
 * `node --import tsx --cpu-prof bench/webhook/hostile-cpu.ts alias`).
 *
 * Run: `npx tsx bench/webhook/hostile-cpu.ts [NAME-PART]`
 */
import { loadavg } from 'node:os';
import { coreInjectorBuilder, injectionEnvironment } from '../../src/webhook/core-injector.js';
import { handleInjectRequest } from '../../src/webhook/handle.js';
import { HOSTILE, pod, review } from './hostile-requests.js';

const injector = coreInjectorBuilder('', injectionEnvironment(process.env))({}, {});
const only = process.argv[2] ?? '';
const kinds: [string, Buffer][] = [['a small pod', Buffer.from(review(pod('web'), 's'))], ...HOSTILE.map(([n, b]) => [n, Buffer.from(b)] as [string, Buffer])];
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| request | CPU per admission (best) | answer |');
console.log('| --- | --- | --- |');
for (const [name, body] of kinds) {
  if (only && !name.includes(only)) continue;
  const runs = name === 'a small pod' ? 200 : 8;
  let best = Infinity;
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    status = handleInjectRequest({ body, contentType: 'application/json', path: '/inject' }, { injector, cluster: { nodes: undefined, namespaceAnnotations: undefined } }).status;
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  console.log(`| ${name} | ${best.toFixed(2)} ms (best of ${runs}) | ${status} |`);
}
