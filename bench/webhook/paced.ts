/**
 * An open-loop load generator: requests are scheduled at a fixed rate over a pool of kept-alive
 * HTTPS connections, and each latency is measured from the request's scheduled start, so time
 * spent queued behind a slow server counts (no coordinated omission). autocannon's rate limit
 * sends each second's quota in a burst, which would measure the burst rather than the rate.
 */
import https from 'node:https';

export interface PacedResult {
  readonly sent: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly achievedRps: number;
}

/** `warmupSeconds` of the same load run first and are not recorded (handshakes, JIT). */
export async function pacedLoad(opts: { port: number; bodies: readonly string[]; rate: number; seconds: number; connections: number; warmupSeconds?: number; timeoutMs?: number }): Promise<PacedResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.connections, rejectUnauthorized: false });
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const warm = Math.round(opts.rate * (opts.warmupSeconds ?? 1));
  const total = warm + Math.round(opts.rate * opts.seconds);
  const one = (scheduled: number, body: string, record: boolean) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port: opts.port, path: '/inject', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) failed++;
            if (record) latencies.push(performance.now() - scheduled);
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      // A request that never completes counts as failed instead of holding the run forever.
      req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * opts.rate) + 1);
    for (; sent < due; sent++) inflight.push(one(start + (sent / opts.rate) * 1000, opts.bodies[sent % opts.bodies.length] as string, sent >= warm));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000 - (opts.warmupSeconds ?? 1);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { sent, failed, p50: q(0.5), p99: q(0.99), achievedRps: latencies.length / elapsed };
}
