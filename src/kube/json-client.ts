/**
 * A small client for the Kubernetes REST API that keeps objects exactly as the API server sends
 * them (plain JSON). The typed clients of @kubernetes/client-node turn timestamps into Date
 * objects and re-serialise models; coverage re-injects running pods and preflight reads the
 * injected pod of a dry-run, and both must see the bytes a webhook sees. TLS and credentials come
 * from the same KubeConfig (`applyToHTTPSOptions`), so every kubeconfig form the library
 * supports works here too. Every call is bounded in time; errors carry the API server's message
 * and status code.
 */
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface KubeJson {
  get<T = unknown>(path: string): Promise<T>;
  /** The answer as text (a pod proxy's Prometheus metrics). */
  getText(path: string): Promise<string>;
  /** Every item of a list, following `continue` (pages of 500). */
  list<T = unknown>(path: string): Promise<T[]>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  /** `type`: merge (application/merge-patch+json), strategic, json. */
  patch<T = unknown>(path: string, body: unknown, type?: 'merge' | 'strategic' | 'json'): Promise<T>;
  delete(path: string): Promise<void>;
}

const PATCH_TYPES = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' } as const;

export function kubeJson(kc: KubeConfig, timeoutMs = 30_000): KubeJson {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const base = new URL(cluster.server);
  const call = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json', rawText = false): Promise<T> => {
    const opts: import('node:https').RequestOptions = {
      method,
      hostname: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      path: `${base.pathname.replace(/\/$/, '')}${path}`,
      headers: { Accept: rawText ? '*/*' : 'application/json', ...(body === undefined ? {} : { 'Content-Type': contentType }) },
      timeout: timeoutMs,
    };
    await kc.applyToHTTPSOptions(opts);
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = (base.protocol === 'https:' ? request : httpRequest)(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const status0 = res.statusCode ?? 0;
          if (rawText && status0 >= 200 && status0 < 300) return resolve(raw as T);
          let parsed: unknown;
          try {
            parsed = raw === '' ? {} : JSON.parse(raw);
          } catch {
            parsed = { message: raw.slice(0, 500) };
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const s = parsed as { message?: string; reason?: string };
          reject(new KubeApiError(`${method} ${path}: ${status} ${s.message ?? raw.slice(0, 300)}`, status, s.reason ?? ''));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (err) => reject(err instanceof KubeApiError ? err : new Error(`${method} ${path}: ${err.message}`, { cause: err })));
      req.end(text);
    });
  };
  return {
    get: (path) => call('GET', path),
    getText: (path) => call<string>('GET', path, undefined, undefined, true),
    async list<T>(path: string): Promise<T[]> {
      const items: T[] = [];
      let cont = '';
      const sep = path.includes('?') ? '&' : '?';
      do {
        const page = await call<{ items?: T[]; metadata?: { continue?: string } }>('GET', `${path}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        items.push(...(page.items ?? []));
        cont = page.metadata?.continue ?? '';
      } while (cont !== '');
      return items;
    },
    post: (path, body) => call('POST', path, body),
    patch: (path, body, type = 'merge') => call('PATCH', path, body, PATCH_TYPES[type]),
    delete: async (path) => {
      await call('DELETE', path);
    },
  };
}
