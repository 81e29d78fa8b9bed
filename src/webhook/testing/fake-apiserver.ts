/**
 * A LOCAL TEST DOUBLE of the Kubernetes API server: no real API server can run on our build
 * machines, so tests of the node watch, the namespace watch and the caBundle patcher talk to
 * this small HTTPS server instead. It speaks only what the webhook calls, with the real wire
 * format: list (with resourceVersion), watch streams (newline-delimited watch events, kept open,
 * `fieldSelector=metadata.name=`, replaying the changes after the `resourceVersion` asked for), GET by name, JSON-patch PATCH, and for namespaced Secrets
 * also POST (create: 201, or 409 AlreadyExists when the name is taken, the API server's
 * create-if-absent semantics; a `kubernetes.io/tls` Secret without `tls.crt`/`tls.key` is 422).
 * Tests drive it (add, change, delete objects; make requests fail or wait) and read its request
 * log, each entry with the status it was answered with.
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
/** A collection path: one of COLLECTIONS, or `secrets(namespace)`. */
export type Collection = keyof typeof COLLECTIONS | `/api/v1/namespaces/${string}/secrets`;
export const NODES: Collection = '/api/v1/nodes';
export const NAMESPACES: Collection = '/api/v1/namespaces';
export const MWCS: Collection = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
export const secrets = (namespace: string): Collection => `/api/v1/namespaces/${namespace}/secrets`;
const NAMESPACED_SECRETS = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;

function kindOf(collection: Collection): { kind: string; apiVersion: string } {
  return collection in COLLECTIONS ? COLLECTIONS[collection as keyof typeof COLLECTIONS] : { kind: 'Secret', apiVersion: 'v1' };
}

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
  /** The HTTP status answered (200 for a watch stream); unset while held or unanswered. */
  readonly status?: number;
}

export class FakeApiServer {
  readonly ca: string;
  readonly token = 'test-double-token';
  readonly requests: RecordedRequest[] = [];
  /** When set, every request is answered with this HTTP status (e.g. 403 for "no RBAC"). */
  failWith: number | undefined;
  /**
   * When true (or true for a request), requests wait unanswered until `release()`: a slow API
   * server, or a way to line racing requests up.
   */
  hold: boolean | ((req: RecordedRequest) => boolean) = false;
  private held: (() => void)[] = [];
  private readonly store = new Map<Collection, Map<string, Obj>>();
  private readonly watchers = new Set<Watcher>();
  /** Every change, so a watch from a resourceVersion first gets what happened since (as the API server does). */
  private readonly history: { readonly collection: Collection; readonly type: string; readonly obj: Obj }[] = [];
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
  }

  private collectionMap(collection: Collection): Map<string, Obj> {
    let map = this.store.get(collection);
    if (!map) this.store.set(collection, (map = new Map()));
    return map;
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
    const o = this.collectionMap(collection).get(name);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Creates or replaces an object and notifies watchers (ADDED / MODIFIED). */
  put(collection: Collection, obj: Omit<Obj, 'metadata'> & { metadata: { name: string } & Record<string, unknown> }): Obj {
    const map = this.collectionMap(collection);
    const existed = map.has(obj.metadata.name);
    const namespace = NAMESPACED_SECRETS.exec(collection)?.[1];
    const metadata = { ...structuredClone(obj.metadata), ...(namespace ? { namespace } : {}), resourceVersion: String(++this.rv) };
    const stored = { ...kindOf(collection), ...structuredClone(obj), metadata } as Obj;
    map.set(stored.metadata.name, stored);
    this.notify(collection, existed ? 'MODIFIED' : 'ADDED', stored);
    return structuredClone(stored);
  }

  delete(collection: Collection, name: string): void {
    const map = this.collectionMap(collection);
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
    this.history.push({ collection, type, obj: structuredClone(obj) });
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
      const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = { method: req.method ?? '', path: u.pathname, query, ...(body !== undefined ? { body } : {}) };
      this.requests.push(record);
      const answer = () => {
        if (req.headers.authorization !== `Bearer ${this.token}`) status(res, 401, 'Unauthorized');
        else if (this.failWith !== undefined) status(res, this.failWith, 'forced failure');
        else this.route(req.method ?? '', u.pathname, query, body, req.headers['content-type'], res);
        record.status = res.statusCode;
      };
      if (typeof this.hold === 'function' ? this.hold(record) : this.hold) this.held.push(answer);
      else answer();
    });
  }

  private route(method: string, pathname: string, query: Record<string, string>, body: unknown, ctype: string | undefined, res: ServerResponse): void {
    const namespaced = NAMESPACED_SECRETS.exec(pathname);
    const collection: Collection | undefined = namespaced
      ? secrets(namespaced[1] as string)
      : (Object.keys(COLLECTIONS) as (keyof typeof COLLECTIONS)[]).find((c) => pathname === c || pathname.startsWith(`${c}/`));
    if (!collection) return status(res, 404, `no such path ${pathname}`);
    const map = this.collectionMap(collection);
    const name = namespaced ? (namespaced[2] === undefined ? undefined : decodeURIComponent(namespaced[2])) : pathname === collection ? undefined : decodeURIComponent(pathname.slice(collection.length + 1));
    const { kind, apiVersion } = kindOf(collection);
    const selected = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
    if (method === 'GET' && name === undefined && query.watch === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const w: Watcher = { collection, name: selected, res };
      const since = Number(query.resourceVersion ?? '');
      if (query.resourceVersion && Number.isFinite(since)) {
        for (const e of this.history) {
          if (e.collection !== collection || Number(e.obj.metadata.resourceVersion) <= since || (selected !== undefined && e.obj.metadata.name !== selected)) continue;
          res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
        }
      }
      this.watchers.add(w);
      res.on('close', () => this.watchers.delete(w));
      return;
    }
    if (method === 'GET' && name === undefined) {
      const items = [...map.values()].filter((o) => selected === undefined || o.metadata.name === selected);
      return json(res, 200, { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (method === 'POST' && name === undefined && namespaced) return this.create(collection, body, res);
    const obj = name === undefined ? undefined : map.get(name);
    if (!obj) return status(res, 404, `${kind} "${name}" not found`, 'NotFound');
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

  /** POST of a Secret: 201, 409 when the name exists, 422 for what the API server refuses. */
  private create(collection: Collection, body: unknown, res: ServerResponse): void {
    const obj = body as Partial<Obj> & { type?: string; data?: Record<string, string> } | undefined;
    const name = obj?.metadata?.name;
    if (typeof name !== 'string' || name === '') return status(res, 422, 'metadata.name: Required value', 'Invalid');
    const namespace = NAMESPACED_SECRETS.exec(collection)?.[1];
    if (obj?.metadata?.namespace !== undefined && obj.metadata.namespace !== namespace) {
      return status(res, 400, 'the namespace of the provided object does not match the namespace sent on the request', 'BadRequest');
    }
    if (obj?.type === 'kubernetes.io/tls' && (obj.data?.['tls.crt'] === undefined || obj.data['tls.key'] === undefined)) {
      return status(res, 422, 'data[tls.crt], data[tls.key]: Required value', 'Invalid');
    }
    if (this.collectionMap(collection).has(name)) return status(res, 409, `secrets "${name}" already exists`, 'AlreadyExists');
    return json(res, 201, this.put(collection, obj as Obj));
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, message: string, reason = 'Failure'): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
}
