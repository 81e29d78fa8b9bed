/**
 * `--run-validation` (reference §f.6): proves the capture rules are in place. Listens where
 * the proxy would (outbound and inbound capture ports on loopback), then connects every
 * second to 127.0.0.6:<probe port> (nothing listens there). Only a redirect can deliver that
 * connection to one of our listeners. Istio reads SO_ORIGINAL_DST on the accepted socket to
 * see the probe port; Node cannot, so the listener instead matches the accepted peer with the
 * probe's own source address and port, which identifies the redirected probe just as surely.
 * Run it as the proxy uid: the rules redirect the proxy's loopback traffic to the inbound port.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export const VALIDATION_FAILED_MESSAGE =
  'iptables validation failed; workload is not ready for Istio.\n' +
  'No connection to the probe address was redirected to the proxy ports, so the traffic capture rules are not in place.\n' +
  'With Istio CNI this happens when the pod started before the CNI plugin was ready on its node; delete the pod to retry.\n';

export interface ValidationOptions {
  readonly proxyPort: number;
  readonly inboundCapturePort: number;
  readonly probePort: number;
  readonly timeoutMs: number;
  readonly ipv6: boolean;
  readonly log: (line: string) => void;
}

/** True when a probe connection was redirected to one of the listeners within the timeout. */
export async function validateRedirection(o: ValidationOptions): Promise<boolean> {
  const local = o.ipv6 ? '::1' : '127.0.0.1';
  const probeHost = o.ipv6 ? '::6' : '127.0.0.6';
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  const onConnection = (s: Socket): void => {
    const key = `${s.remoteAddress}:${s.remotePort}`;
    seen.add(key);
    waiters.get(key)?.();
    s.end();
  };
  const servers: Server[] = [];
  try {
    for (const port of new Set([o.proxyPort, o.inboundCapturePort])) {
      const server = createServer(onConnection);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, local, resolve));
      servers.push(server);
    }
    const deadline = Date.now() + o.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const ok = await probe(probeHost, o.probePort, local, seen, waiters);
      if (ok) {
        o.log(`validation: probe to ${probeHost}:${o.probePort} was redirected to the proxy (attempt ${attempt})`);
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(1000, left)));
    }
  } finally {
    for (const s of servers) s.close();
  }
}

function probe(host: string, port: number, localAddress: string, seen: Set<string>, waiters: Map<string, () => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, localAddress });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => {
      const key = `${socket.localAddress}:${socket.localPort}`;
      if (seen.has(key)) return finish(true);
      const timer = setTimeout(() => finish(false), 500);
      waiters.set(key, () => {
        clearTimeout(timer);
        finish(true);
      });
    });
  });
}
