/**
 * Reads one pod from the Kubernetes API with the plugin's kubeconfig: a single authenticated
 * GET, retried a bounded number of times (Istio: 30 attempts, 1 s apart).
 *
 * Hand-written on node:https rather than @kubernetes/client-node: loading that client costs
 * hundreds of milliseconds, paid on every pod sandbox creation, for one GET.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { connectionFromKubeconfig, type KubeConnection } from '../core/cni/kubeconfig.js';
import { CniError, CniErrorCode } from '../core/cni/spec.js';
import type { Logger } from './log.js';

export interface PodSource {
  getPod(namespace: string, name: string): Promise<unknown>;
}

export interface ApiPodSourceOptions {
  readonly kubeconfigPath: string;
  readonly attempts: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A failed GET; `retry` says whether another attempt can help. */
class ApiRequestError extends Error {
  constructor(message: string, readonly retry: boolean) {
    super(message);
  }
}

async function loadConnection(path: string): Promise<KubeConnection> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CniError(CniErrorCode.podLookupFailed, `cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Operator-supplied kubeconfigs are usually YAML; ours is JSON (see core/cni/kubeconfig).
    const { parse } = await import('yaml');
    doc = parse(text);
  }
  try {
    return connectionFromKubeconfig(doc);
  } catch (err) {
    throw new CniError(CniErrorCode.podLookupFailed, `${path}: ${(err as Error).message}`, { cause: err });
  }
}

function get(conn: KubeConnection, path: string, timeoutMs: number): Promise<unknown> {
  const token = conn.token ?? (conn.tokenFile !== undefined ? readFileSync(conn.tokenFile, 'utf8').trim() : undefined);
  const ca = conn.ca ?? (conn.caFile !== undefined ? readFileSync(conn.caFile, 'utf8') : undefined);
  const secure = conn.server.protocol === 'https:';
  const url = new URL(path, conn.server);
  const options: https.RequestOptions = {
    method: 'GET',
    headers: { accept: 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    timeout: timeoutMs,
    ...(secure ? { ca, cert: conn.clientCert, key: conn.clientKey, rejectUnauthorized: !conn.insecureSkipTlsVerify } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 200) {
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new ApiRequestError(`GET ${url.pathname}: response is not JSON`, true));
          }
          return;
        }
        let reason = body.slice(0, 200);
        try {
          reason = (JSON.parse(body) as { message?: string }).message ?? reason;
        } catch {
          // keep the raw text
        }
        // Credentials and permissions do not fix themselves between attempts.
        reject(new ApiRequestError(`GET ${url.pathname}: HTTP ${status}: ${reason}`, status !== 401 && status !== 403));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new ApiRequestError(`GET ${url.pathname}: ${err.message}`, true)));
    req.end();
  });
}

export function createApiPodSource(opts: ApiPodSourceOptions): PodSource {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async getPod(namespace, name) {
      const conn = await loadConnection(opts.kubeconfigPath);
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
      let last: ApiRequestError | undefined;
      let made = 0;
      for (let attempt = 1; attempt <= opts.attempts; attempt++) {
        made = attempt;
        try {
          return await get(conn, path, opts.timeoutMs);
        } catch (err) {
          last = err instanceof ApiRequestError ? err : new ApiRequestError((err as Error).message, true);
          opts.logger.debug('pod lookup failed', { attempt, error: last.message });
          if (!last.retry) break;
          if (attempt < opts.attempts) await sleep(opts.intervalMs);
        }
      }
      throw new CniError(
        CniErrorCode.podLookupFailed,
        `cannot read pod ${namespace}/${name} from the Kubernetes API at ${conn.server.origin} (${made} attempt${made === 1 ? '' : 's'}): ${last?.message ?? 'no attempt made'}`,
      );
    },
  };
}
