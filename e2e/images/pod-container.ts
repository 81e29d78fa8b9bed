/**
 * A Kubernetes container spec run by testcontainers the way a kubelet would run it: the image's
 * entrypoint with the spec's args, its env (values and the pod fields a test gives), its
 * security context merged over the pod's (user/group, capabilities, read-only root,
 * no-new-privileges, privileged), and its volume mounts from ConfigMaps, Secrets (written as
 * files) and emptyDirs (tmpfs). Only what these specs use is mapped; anything else throws, so
 * a spec the mapping does not understand never runs half-configured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenericContainer } from 'testcontainers';

export interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type: string };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  readonly securityContext?: SecurityContext;
  readonly volumeMounts?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface Volume {
  readonly name: string;
  readonly configMap?: { name: string };
  readonly secret?: { secretName: string };
  readonly emptyDir?: { sizeLimit?: string };
}

/** The objects volumes refer to, by name: ConfigMap data and Secret data (base64). */
export interface VolumeSources {
  readonly configMaps?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** GenericContainer with the host settings testcontainers has no method for. */
export class PodContainer extends GenericContainer {
  private readonly lines: string[] = [];

  constructor(image: string) {
    super(image);
    this.withLogConsumer((stream) => stream.on('data', (d: Buffer | string) => this.lines.push(d.toString())));
  }

  /** What the container printed so far (stdout and stderr), e.g. after start() failed. */
  get output(): string {
    return this.lines.join('');
  }

  withReadOnlyRootfs(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

/** Docker's reference normalisation: `sidecar-kit/init:e2e` → `docker.io/sidecar-kit/init:e2e`. */
export function normalizeRef(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (!ref.includes('/')) return `docker.io/library/${ref}`;
  return /[.:]/.test(first) || first === 'localhost' ? ref : `docker.io/${ref}`;
}

/**
 * The container for `spec` from `image` (the test's build of spec.image). `fields` answers
 * `fieldRef`s (e.g. metadata.namespace); volume files are written under `dir`.
 */
export function podContainer(
  image: string,
  spec: ContainerSpec,
  opts: { readonly podSecurityContext?: SecurityContext; readonly volumes?: readonly Volume[]; readonly sources?: VolumeSources; readonly fields?: Readonly<Record<string, string>>; readonly dir?: string } = {},
): PodContainer {
  const c = new PodContainer(image).withName(`sk-images-${spec.name}-${process.pid}-${Date.now()}`);
  if (spec.command) c.withEntrypoint([...spec.command]);
  if (spec.args) c.withCommand([...spec.args]);
  const env: Record<string, string> = {};
  for (const e of spec.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    const value = field !== undefined ? opts.fields?.[field] : e.value;
    if (value === undefined) throw new Error(`podContainer: env ${e.name} refers to ${field ?? 'nothing'} that the test does not give`);
    env[e.name] = value;
  }
  c.withEnvironment(env);
  applySecurityContext(c, { ...opts.podSecurityContext, ...spec.securityContext });
  const binds: { source: string; target: string; mode: 'ro' | 'rw' }[] = [];
  for (const m of spec.volumeMounts ?? []) {
    const v = opts.volumes?.find((x) => x.name === m.name);
    if (!v) throw new Error(`podContainer: volume ${m.name} is not in the pod`);
    if (v.emptyDir) {
      c.withTmpFs({ [m.mountPath]: `rw,mode=1777${v.emptyDir.sizeLimit ? `,size=${v.emptyDir.sizeLimit.replace(/i$/, '').toLowerCase()}` : ''}` });
      continue;
    }
    const data = v.configMap ? opts.sources?.configMaps?.[v.configMap.name] : v.secret ? decodeSecret(opts.sources?.secrets?.[v.secret.secretName]) : undefined;
    if (!data || !opts.dir) throw new Error(`podContainer: volume ${m.name} has no source in the test (or no directory for its files)`);
    const host = join(opts.dir, 'volumes', m.name);
    mkdirSync(host, { recursive: true, mode: 0o755 });
    // The kubelet's default modes (0644) let the container's non-root user read them.
    for (const [k, text] of Object.entries(data)) writeFileSync(join(host, k), text, { mode: 0o644 });
    binds.push({ source: host, target: m.mountPath, mode: m.readOnly ? 'ro' : 'rw' });
  }
  // withBindMounts replaces the list: set it once.
  if (binds.length > 0) c.withBindMounts(binds);
  return c;
}

function decodeSecret(data: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

function applySecurityContext(c: PodContainer, sc: SecurityContext): void {
  if (sc.runAsUser !== undefined || sc.runAsGroup !== undefined) {
    if (sc.runAsUser === undefined) throw new Error('podContainer: runAsGroup without runAsUser is not mapped');
    c.withUser(`${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}`);
  }
  if (sc.runAsNonRoot === true && (sc.runAsUser === undefined || sc.runAsUser === 0)) throw new Error('podContainer: runAsNonRoot needs a non-zero runAsUser in the spec');
  if (sc.readOnlyRootFilesystem) c.withReadOnlyRootfs();
  if (sc.allowPrivilegeEscalation === false) c.withSecurityOpt('no-new-privileges');
  if (sc.privileged) c.withPrivilegedMode();
  if (sc.capabilities?.drop?.length) c.withDroppedCapabilities(...sc.capabilities.drop);
  if (sc.capabilities?.add?.length) c.withAddedCapabilities(...sc.capabilities.add);
}
