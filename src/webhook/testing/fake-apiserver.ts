/**
 * A LOCAL TEST DOUBLE of the Kubernetes API server: no real API server can run on our build
 * machines, so tests of the node watch, the namespace watch and the caBundle patcher talk to
 * this small HTTPS server instead. It speaks only what the webhook calls, with the real wire
 * format: list (with resourceVersion), watch streams (newline-delimited watch events, kept open,
 * `fieldSelector=metadata.name=`), GET by name and JSON-patch PATCH. Tests drive it (add, change,
 * delete objects; make requests fail) and read its request log.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import fjp, { type Operation } from 'fast-json-patch';
import { createSelfSignedBundle } from '../certs/self-signed.js';

type Obj = { metadata: { name: string; resourceVersion?: string } & Record<string, unknown> } & Record<string, unknown>;

const COLLECTIONS = {
  '/api/v1/nodes': { kind: 'Node', apiVersion: 'v1' },
  '/api/v1/namespaces': { kind: 'Namespace', apiVersion: 'v1' },
  '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': {
    kind: 'MutatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
  },
} as const;
export type Collection = keyof typeof COLLECTIONS;
export const NODES: Collection = '/api/v1/nodes';
export const NAMESPACES: Collection = '/api/v1/namespaces';
export const MWCS: Collection = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

interface Watcher {
  readonly collection: Collection;
  readonly name: string | undefined;
  readonly res: ServerResponse;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export class FakeApiServer {
  readonly ca: string;
  readonly token = 'test-double-token';
  readonly requests: RecordedRequest[] = [];
  /** When set, every request is answered with this HTTP status (e.g. 403 for "no RBAC"). */
  failWith: number | undefined;
  /** When true, requests wait (unanswered) until `release()`: a slow API server. */
  hold = false;
  private held: (() => void)[] = [];
  private readonly store = new Map<Collection, Map<string, Obj>>();
  private readonly watchers = new Set<Watcher>();
  private rv = 100;
  private readonly server: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();

  constructor() {
    const b = createSelfSignedBundle({ hosts: ['127.0.0.1', 'localhost'], now: new Date(), organization: 'fake-apiserver' });
    this.ca = b.caPem;
    this.server = createServer({ cert: b.certPem, key: b.keyPem }, (req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    for (const c of Object.keys(COLLECTIONS) as Collection[]) this.store.set(c, new Map());
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig (as an object for KubeConfig.loadFromOptions) pointing at this server. */
  kubeconfigOptions() {
    return {
      clusters: [{ name: 'fake', server: this.url, caData: Buffer.from(this.ca).toString('base64') }],
      users: [{ name: 'fake', token: this.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    };
  }

  async stop(): Promise<void> {
    const closed = new Promise((r) => this.server.close(r));
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Answers the requests held while `hold` was set, and stops holding. */
  release(): void {
    this.hold = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Ends every open watch stream, as an API server does on timeout or restart. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  get(collection: Collection, name: string): Obj | undefined {
    const o = this.store.get(collection)?.get(name);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Creates or replaces an object and notifies watchers (ADDED / MODIFIED). */
  put(collection: Collection, obj: Omit<Obj, 'metadata'> & { metadata: { name: string } & Record<string, unknown> }): Obj {
    const map = this.store.get(collection) as Map<string, Obj>;
    const existed = map.has(obj.metadata.name);
    const stored = { ...COLLECTIONS[collection], ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), resourceVersion: String(++this.rv) } } as Obj;
    map.set(stored.metadata.name, stored);
    this.notify(collection, existed ? 'MODIFIED' : 'ADDED', stored);
    return structuredClone(stored);
  }

  delete(collection: Collection, name: string): void {
    const map = this.store.get(collection) as Map<string, Obj>;
    const obj = map.get(name);
    if (!obj) return;
    map.delete(name);
    this.notify(collection, 'DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
  }

  /** Open watch streams, optionally only those on one collection / one field-selected name. */
  openWatches(collection?: Collection, name?: string): number {
    return [...this.watchers].filter((w) => (collection === undefined || w.collection === collection) && (name === undefined || w.name === name)).length;
  }

  private notify(collection: Collection, type: string, obj: Obj): void {
    for (const w of this.watchers) {
      if (w.collection !== collection || (w.name !== undefined && w.name !== obj.metadata.name)) continue;
      w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'https://x');
    const query = Object.fromEntries(u.searchParams);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      this.requests.push({ method: req.method ?? '', path: u.pathname, query, ...(body !== undefined ? { body } : {}) });
      if (req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, 'Unauthorized');
      const answer = () => {
        if (this.failWith !== undefined) return status(res, this.failWith, 'forced failure');
        this.route(req.method ?? '', u.pathname, query, body, req.headers['content-type'], res);
      };
      if (this.hold) this.held.push(answer);
      else answer();
    });
  }

  private route(method: string, pathname: string, query: Record<string, string>, body: unknown, ctype: string | undefined, res: ServerResponse): void {
    const collection = (Object.keys(COLLECTIONS) as Collection[]).find((c) => pathname === c || pathname.startsWith(`${c}/`));
    if (!collection) return status(res, 404, `no such path ${pathname}`);
    const map = this.store.get(collection) as Map<string, Obj>;
    const name = pathname === collection ? undefined : decodeURIComponent(pathname.slice(collection.length + 1));
    const selected = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
    if (method === 'GET' && name === undefined && query.watch === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const w: Watcher = { collection, name: selected, res };
      this.watchers.add(w);
      res.on('close', () => this.watchers.delete(w));
      return;
    }
    if (method === 'GET' && name === undefined) {
      const items = [...map.values()].filter((o) => selected === undefined || o.metadata.name === selected);
      return json(res, 200, { kind: `${COLLECTIONS[collection].kind}List`, apiVersion: COLLECTIONS[collection].apiVersion, metadata: { resourceVersion: String(this.rv) }, items });
    }
    const obj = name === undefined ? undefined : map.get(name);
    if (!obj) return status(res, 404, `${COLLECTIONS[collection].kind} "${name}" not found`, 'NotFound');
    if (method === 'GET') return json(res, 200, obj);
    if (method === 'PATCH') {
      if (ctype !== 'application/json-patch+json') return status(res, 415, `unsupported patch type ${ctype}`);
      try {
        const next = fjp.applyPatch(structuredClone(obj), body as Operation[], true, false).newDocument as Obj;
        return json(res, 200, this.put(collection, next));
      } catch (err) {
        return status(res, 422, `patch failed: ${(err as Error).message}`, 'Invalid');
      }
    }
    return status(res, 405, `method ${method} not allowed`);
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, message: string, reason = 'Failure'): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
}
