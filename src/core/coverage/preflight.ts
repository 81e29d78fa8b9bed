/**
 * `sidecar-kit preflight` (issue 17 §4): will injection work on this cluster, and if not, what
 * fixes it. Pure: the edge (src/coverage/preflight-*.ts) gathers the facts — a server-side
 * dry-run pod create, the serving certificate each webhook replica presents, each node's CNI
 * agent report, the namespaces' Pod Security labels — and this module judges them. Every check
 * that does not pass says why and gives the command that fixes it.
 *
 * Checks (the `check` field; the same names in the table, JSON and YAML):
 *  - webhookReachable: a dry-run pod create in a selected namespace comes back injected;
 *  - caBundle: each webhook replica's serving certificate verifies against the caBundle of
 *    every entry, for the Service's DNS name, and is not about to expire;
 *  - nodeNetfilter: each node's netfilter (legacy x_tables in use, nf_tables available) and
 *    whether IPv6 is disabled, from the CNI node agent's report (CNI mode);
 *  - cniPlugin: the CNI node agent on every node is Ready with our plugin in the conflist;
 *  - podSecurity: each selected namespace's enforced Pod Security level against what injection
 *    adds (in init mode, istio-init adds NET_ADMIN and NET_RAW: privileged only).
 */
import type { Pod } from '../k8s/pod.js';
import { evaluateInjection, type InjectorView } from '../selection/evaluate.js';
import { injectorWebhook, type MutatingWebhookConfiguration } from '../selection/webhooks.js';
import { highestPassingLevel, POD_SECURITY_LEVELS, violationsAt, type PodSecurityLevel, type Violation } from './pod-security.js';

export const PreflightCheck = {
  webhookReachable: 'webhookReachable',
  caBundle: 'caBundle',
  nodeNetfilter: 'nodeNetfilter',
  cniPlugin: 'cniPlugin',
  podSecurity: 'podSecurity',
} as const;
export type PreflightCheck = (typeof PreflightCheck)[keyof typeof PreflightCheck];

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly check: PreflightCheck;
  /** What was checked: a configuration, `pod ns/name`, `node n1`, `namespace shop`. */
  readonly subject: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** The command (or commands, one per line) that fixes a warn or fail. */
  readonly fix?: string;
}

/** The outcome of a server-side dry-run create of the sample pod. */
export type DryRunOutcome =
  | { readonly kind: 'created'; readonly pod: Pod }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string };

export type ServingOutcome =
  /** The TLS handshake verified the chain against the caBundle for `serverName`. */
  | { readonly kind: 'verified'; readonly notAfter: string; readonly subject: string }
  /** The handshake completed but the certificate did not verify (OpenSSL's code and text). */
  | { readonly kind: 'untrusted'; readonly code: string; readonly error: string; readonly subject: string; readonly issuer: string }
  /** No handshake (port-forward refused, nothing listening, timeout). */
  | { readonly kind: 'unreachable'; readonly error: string };

/** The CNI node agent's report of its host (its `sidecar_kit_cni_node_info` gauge). */
export interface NodeHostReport {
  /** Legacy x_tables hold tables in the host's network namespace (iptables-legacy in use). */
  readonly legacyTables: boolean;
  /** The kernel offers nf_tables (module loaded or built in); undefined: unknown. */
  readonly nfTables: boolean | undefined;
  /** The kernel offers legacy ip_tables; undefined: unknown. */
  readonly ipTables: boolean | undefined;
  readonly ipv6Disabled: boolean;
  /** The agent's plugin programs native nftables rather than iptables. */
  readonly nativeNftables: boolean;
}

export interface AgentFacts {
  readonly pod: string;
  readonly ready: boolean;
  /** `istio_cni_install_ready`, when its metrics could be read. */
  readonly installReady?: boolean;
  readonly host?: NodeHostReport;
  /** Why the agent's metrics could not be read. */
  readonly metricsError?: string;
}

export interface NodeFacts {
  readonly name: string;
  /** The node has an IPv6 InternalIP (status.addresses). */
  readonly ipv6Address: boolean;
  readonly unschedulable: boolean;
  /** The CNI node agent of a CNI-mode configuration on this node (undefined: none runs there). */
  readonly agent?: AgentFacts;
}

/** One of our MutatingWebhookConfigurations and what stands behind it. */
export interface ConfigurationFacts {
  readonly name: string;
  /** The Helm release (`app.kubernetes.io/instance`), for the fix commands. */
  readonly release?: string;
  /** The revision it serves ('' for the default one). */
  readonly revision?: string;
  readonly service?: { readonly namespace: string; readonly name: string };
  /** The webhook Deployment (same name as the Service in the chart). */
  readonly deployment?: string;
  readonly certificates: 'selfSigned' | 'files' | 'unknown';
  readonly mode: 'cni' | 'init' | 'unknown';
  /** Entries whose clientConfig carries no caBundle. */
  readonly entriesWithoutCaBundle: readonly string[];
  /** The injector's view (for the selection), when its ConfigMaps could be read. */
  readonly view?: InjectorView;
  /** What injection adds to the restricted sample pod, judged by the Pod Security Standards. */
  readonly sampleViolations?: readonly Violation[];
  /** Why the sample pod could not be injected offline. */
  readonly sampleError?: string;
  /** The dry-run, when a selected namespace was found. */
  readonly dryRun?: { readonly namespace: string; readonly outcome: DryRunOutcome };
  /** The serving certificate of each webhook replica (pod name → outcome). */
  readonly serving: readonly { readonly pod: string; readonly outcome: ServingOutcome }[];
  /** The CNI DaemonSet `namespace/name` (CNI mode). */
  readonly cniDaemonSet?: string;
}

export interface PreflightFacts {
  /** Every injector MutatingWebhookConfiguration of the cluster (ours and Istio's). */
  readonly webhooks: readonly MutatingWebhookConfiguration[];
  readonly configurations: readonly ConfigurationFacts[];
  readonly namespaces: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>> }[];
  readonly nodes: readonly NodeFacts[];
  /** RFC 3339; certificates expiring within `expiryWarningDays` warn. */
  readonly now: string;
  readonly expiryWarningDays?: number;
}

export interface PreflightReport {
  readonly checks: readonly CheckResult[];
  readonly counts: Readonly<Record<CheckStatus, number>>;
}

export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const WARN_LABEL = 'pod-security.kubernetes.io/warn';
const AUDIT_LABEL = 'pod-security.kubernetes.io/audit';

/** The name of the sample pod of the dry-run (never stored: the create is a dry run). */
export const SAMPLE_POD_NAME = 'sidecar-kit-preflight';

/** The metric lines preflight reads from the agent's Prometheus text. */
export function parseAgentMetrics(text: string): { installReady?: boolean; host?: AgentFacts['host'] } {
  const ready = /^istio_cni_install_ready(?:\{[^}]*\})?\s+(\S+)$/m.exec(text);
  const info = /^sidecar_kit_cni_node_info\{([^}]*)\}\s+1$/m.exec(text);
  const out: { installReady?: boolean; host?: AgentFacts['host'] } = {};
  if (ready?.[1] !== undefined) out.installReady = Number(ready[1]) === 1;
  if (info?.[1] !== undefined) {
    const labels = Object.fromEntries([...info[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const b = (k: string) => labels[k] === 'true';
    const tri = (k: string) => (labels[k] === 'true' ? true : labels[k] === 'false' ? false : undefined);
    out.host = { legacyTables: b('legacy_tables'), nfTables: tri('nf_tables'), ipTables: tri('ip_tables'), ipv6Disabled: b('ipv6_disabled'), nativeNftables: b('native_nftables') };
  }
  return out;
}

const isLevel = (v: string | undefined): v is PodSecurityLevel => v !== undefined && (POD_SECURITY_LEVELS as readonly string[]).includes(v);

/**
 * Namespaces where our configuration `name` would inject the sample pod (the shared selection
 * evaluation: rules, namespaceSelector, objectSelector, the injector's policy), sorted by name.
 */
export function selectedNamespaces(facts: Pick<PreflightFacts, 'webhooks' | 'configurations' | 'namespaces'>, sample: Pod): Map<string, string[]> {
  const views = new Map<string, InjectorView>();
  for (const c of facts.configurations) if (c.view) views.set(c.name, c.view);
  const out = new Map<string, string[]>();
  for (const ns of [...facts.namespaces].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const pod = { ...sample, metadata: { ...sample.metadata, namespace: ns.name } };
    const ev = evaluateInjection({ webhooks: facts.webhooks, namespace: ns, pod, injectors: views });
    for (const by of ev.injectedBy) {
      if (!facts.configurations.some((c) => c.name === by)) continue;
      out.set(by, [...(out.get(by) ?? []), ns.name]);
    }
  }
  return out;
}

/**
 * The namespace for the dry-run of a configuration: the requested one, else the first selected
 * namespace whose enforced Pod Security level admits what injection adds (so the dry-run tests
 * the webhook, not the namespace's policy), else the first selected one.
 */
export function dryRunNamespace(selected: readonly string[], namespaces: PreflightFacts['namespaces'], violations: readonly Violation[] | undefined): string | undefined {
  const level = (ns: string) => {
    const v = namespaces.find((n) => n.name === ns)?.labels[ENFORCE_LABEL];
    return isLevel(v) ? v : 'privileged';
  };
  const admits = selected.find((ns) => violationsAt(violations ?? [], level(ns)).length === 0);
  return admits ?? selected[0];
}

const podContainers = (p: Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => c.name);

function releaseRef(c: ConfigurationFacts): { ns: string; deploy: string; release: string } {
  return { ns: c.service?.namespace ?? '<namespace>', deploy: c.deployment ?? c.service?.name ?? '<webhook>', release: c.release ?? '<release>' };
}

function caBundleFix(c: ConfigurationFacts): string {
  const { ns, deploy, release } = releaseRef(c);
  if (c.certificates === 'selfSigned') return `kubectl -n ${ns} rollout restart deployment/${deploy}   # each replica writes its CA into the caBundle at start`;
  return `helm upgrade ${release} <chart> -n ${ns} --reuse-values   # re-renders the caBundle from the serving certificate's CA\nkubectl -n ${ns} rollout restart deployment/${deploy}   # after replacing the certificate Secret`;
}

function webhookDownFix(c: ConfigurationFacts): string {
  const { ns, deploy } = releaseRef(c);
  return `kubectl -n ${ns} rollout status deployment/${deploy}\nkubectl -n ${ns} get endpoints ${c.service?.name ?? deploy}   # the API server must reach these addresses on the webhook port`;
}

function judgeDryRun(c: ConfigurationFacts, selected: readonly string[]): CheckResult {
  const check = PreflightCheck.webhookReachable;
  const dr = c.dryRun;
  if (!dr) {
    return {
      check,
      subject: c.name,
      status: selected.length === 0 ? 'warn' : 'skip',
      message: selected.length === 0 ? 'no namespace is selected for injection by this configuration: nothing to try the webhook with' : 'not tried',
      ...(selected.length === 0 ? { fix: `kubectl label namespace <namespace> ${c.revision && c.revision !== 'default' ? `istio.io/rev=${c.revision}` : 'istio-injection=enabled'}` } : {}),
    };
  }
  const subject = `${c.name} (namespace ${dr.namespace})`;
  const o = dr.outcome;
  if (o.kind === 'created') {
    const names = podContainers(o.pod);
    if (names.includes('istio-proxy')) return { check, subject, status: 'pass', message: `a server-side dry-run pod create came back injected (${names.join(', ')})` };
    return {
      check,
      subject,
      status: 'fail',
      message: `a server-side dry-run pod create came back without istio-proxy (${names.join(', ')}): the API server did not call the webhook, or it skipped the pod`,
      fix: `sidecar-kit check-inject -n ${dr.namespace} -f <a pod manifest>   # which entry selects the pod and why not\nkubectl get mutatingwebhookconfiguration ${c.name} -o yaml`,
    };
  }
  const m = o.message;
  if (/x509|certificate|tls:/i.test(m)) {
    return { check, subject, status: 'fail', message: `the API server does not trust the webhook's certificate: ${m}`, fix: caBundleFix(c) };
  }
  if (/failed calling webhook|no endpoints available|connection refused|context deadline exceeded|i\/o timeout|no route to host|service ".*" not found/i.test(m)) {
    return { check, subject, status: 'fail', message: `the API server cannot reach the webhook: ${m}`, fix: webhookDownFix(c) };
  }
  if (/violates PodSecurity/.test(m)) {
    return {
      check,
      subject,
      status: 'fail',
      message: `the webhook answered, but the injected pod is refused by the namespace's Pod Security level: ${m}`,
      fix: `see the podSecurity check of namespace ${dr.namespace}`,
    };
  }
  if (/admission webhook ".*" denied the request/.test(m)) {
    return { check, subject, status: 'fail', message: `the webhook refused the sample pod: ${m}`, fix: `kubectl -n ${releaseRef(c).ns} logs deployment/${releaseRef(c).deploy}` };
  }
  if (o.status === 403) return { check, subject, status: 'fail', message: `not allowed to create pods in ${dr.namespace} (even as a dry run): ${m}`, fix: `run preflight with an account that may create pods in ${dr.namespace}, or pick another with --namespace` };
  return { check, subject, status: 'fail', message: `the dry-run pod create failed: ${m}`, fix: webhookDownFix(c) };
}

function judgeServing(c: ConfigurationFacts, now: string, warnDays: number): CheckResult[] {
  const check = PreflightCheck.caBundle;
  const out: CheckResult[] = [];
  if (c.entriesWithoutCaBundle.length > 0) {
    out.push({ check, subject: c.name, status: 'fail', message: `entries without a caBundle: ${c.entriesWithoutCaBundle.join(', ')} (the API server cannot verify the webhook)`, fix: caBundleFix(c) });
  }
  if (c.serving.length === 0) {
    out.push({ check, subject: c.name, status: 'fail', message: 'no webhook replica runs: no serving certificate to compare with the caBundle', fix: webhookDownFix(c) });
  }
  const host = c.service ? `${c.service.name}.${c.service.namespace}.svc` : 'the Service';
  for (const s of c.serving) {
    const subject = `pod ${c.service?.namespace ?? ''}/${s.pod}`;
    const o = s.outcome;
    if (o.kind === 'unreachable') {
      out.push({ check, subject, status: 'warn', message: `could not read its serving certificate: ${o.error} (the webhookReachable check shows whether the API server trusts it)`, fix: `kubectl -n ${c.service?.namespace ?? '<namespace>'} port-forward pod/${s.pod} <port>   # needs pods/portforward` });
      continue;
    }
    if (o.kind === 'untrusted') {
      out.push({ check, subject, status: 'fail', message: `its serving certificate (subject ${o.subject}, issuer ${o.issuer}) does not verify against the caBundle for ${host}: ${o.code} ${o.error}`, fix: caBundleFix(c) });
      continue;
    }
    const left = (Date.parse(o.notAfter) - Date.parse(now)) / 86_400_000;
    if (left <= 0) out.push({ check, subject, status: 'fail', message: `its serving certificate expired at ${o.notAfter}`, fix: caBundleFix(c) });
    else if (left < warnDays) out.push({ check, subject, status: 'warn', message: `its serving certificate verifies against the caBundle for ${host} but expires at ${o.notAfter} (in ${left.toFixed(1)} days)`, fix: caBundleFix(c) });
    else out.push({ check, subject, status: 'pass', message: `its serving certificate verifies against the caBundle for ${host} (valid until ${o.notAfter})` });
  }
  return out;
}

function agentFix(c: ConfigurationFacts | undefined, node: string): string {
  const ds = c?.cniDaemonSet ?? '<namespace>/<cni daemonset>';
  const [ns, name] = ds.split('/');
  return `kubectl -n ${ns} get pods -l app.kubernetes.io/component=cni -o wide --field-selector spec.nodeName=${node}\nkubectl -n ${ns} describe daemonset ${name}   # nodeSelector, tolerations, rollout`;
}

function judgeNode(n: NodeFacts, cni: ConfigurationFacts | undefined): CheckResult[] {
  const subject = `node ${n.name}`;
  const v6 = n.ipv6Address ? 'an IPv6 InternalIP' : 'no IPv6 InternalIP';
  if (!cni) {
    return [
      {
        check: PreflightCheck.nodeNetfilter,
        subject,
        status: 'skip',
        message: `init mode: istio-init detects the netfilter backend inside each pod; no node agent reports the host (${v6})`,
      },
    ];
  }
  const a = n.agent;
  if (!a) {
    const fail = { status: 'fail' as const, fix: agentFix(cni, n.name) };
    const why = n.unschedulable ? 'the node is cordoned and ' : '';
    return [
      { check: PreflightCheck.nodeNetfilter, subject, ...fail, message: `${why}no CNI node agent runs on it: its netfilter and IPv6 state are unknown` },
      { check: PreflightCheck.cniPlugin, subject, ...fail, message: `${why}no CNI node agent runs on it: pods scheduled there start without capture and are held back by istio-validation` },
    ];
  }
  const out: CheckResult[] = [];
  const h = a.host;
  if (!h) {
    out.push({ check: PreflightCheck.nodeNetfilter, subject, status: 'warn', message: `could not read the agent's report (pod ${a.pod}): ${a.metricsError ?? 'no sidecar_kit_cni_node_info gauge'}`, fix: `kubectl get --raw /api/v1/namespaces/${(cni.cniDaemonSet ?? '<ns>/').split('/')[0]}/pods/${a.pod}:15014/proxy/metrics   # needs pods/proxy` });
  } else {
    const has = (b: boolean | undefined) => (b === undefined ? 'unknown (the host does not list its modules)' : b ? 'available' : 'unavailable');
    const facts = `legacy tables ${h.legacyTables ? 'in use' : 'unused'}, nf_tables ${has(h.nfTables)}, ip_tables ${has(h.ipTables)}; IPv6 ${h.ipv6Disabled ? 'disabled' : 'enabled'}; the plugin programs ${h.nativeNftables ? 'native nftables' : 'iptables'}`;
    if (h.nativeNftables && h.nfTables === false) out.push({ check: PreflightCheck.nodeNetfilter, subject, status: 'fail', message: `${facts}: native nftables needs nf_tables`, fix: `ssh ${n.name} modprobe nf_tables   # or: helm upgrade <release> <chart> --reuse-values --set global.nativeNftables=false` });
    else if (h.nfTables === false && h.ipTables === false) out.push({ check: PreflightCheck.nodeNetfilter, subject, status: 'fail', message: `${facts}: the kernel offers neither nf_tables nor ip_tables`, fix: `ssh ${n.name} modprobe nf_tables` });
    else if (h.ipv6Disabled && n.ipv6Address) out.push({ check: PreflightCheck.nodeNetfilter, subject, status: 'warn', message: `${facts}; yet the node has an IPv6 InternalIP: IPv6 traffic of its pods is not captured`, fix: `ssh ${n.name} sysctl -w net.ipv6.conf.all.disable_ipv6=0` });
    else out.push({ check: PreflightCheck.nodeNetfilter, subject, status: 'pass', message: facts });
  }
  if (!a.ready || a.installReady === false) {
    out.push({ check: PreflightCheck.cniPlugin, subject, status: 'fail', message: `the CNI node agent ${a.pod} is not Ready${a.installReady === false ? ' (istio_cni_install_ready 0: our plugin is not in the node\'s conflist)' : ''}`, fix: `kubectl -n ${(cni.cniDaemonSet ?? '<ns>/').split('/')[0]} logs ${a.pod}\n${agentFix(cni, n.name)}` });
  } else {
    out.push({ check: PreflightCheck.cniPlugin, subject, status: 'pass', message: `the CNI node agent ${a.pod} is Ready with our plugin in the node's conflist${a.installReady === undefined ? ' (readiness only: its metrics were not read)' : ''}` });
  }
  return out;
}

function judgePodSecurity(c: ConfigurationFacts, ns: { name: string; labels: Readonly<Record<string, string>> }): CheckResult | undefined {
  const check = PreflightCheck.podSecurity;
  const subject = `namespace ${ns.name}`;
  if (c.sampleViolations === undefined) {
    return { check, subject, status: 'warn', message: `what ${c.name} injects is unknown: ${c.sampleError ?? 'its injector configuration could not be read'}` };
  }
  const raw = ns.labels[ENFORCE_LABEL];
  const enforce: PodSecurityLevel = isLevel(raw) ? raw : 'privileged';
  const needs = highestPassingLevel(c.sampleViolations);
  const broken = violationsAt(c.sampleViolations, enforce);
  const what = (vs: readonly Violation[]) => vs.map((v) => `${v.subject} ${v.detail}`).join('; ');
  const mode = c.mode === 'init' ? 'init mode' : c.mode === 'cni' ? 'CNI mode' : 'injection';
  if (broken.length > 0) {
    const fix = c.mode === 'init' ? `kubectl label namespace ${ns.name} ${ENFORCE_LABEL}=privileged --overwrite\n# or install in CNI mode (nothing privileged in the pod): helm upgrade ${c.release ?? '<release>'} <chart> -n ${c.service?.namespace ?? '<namespace>'} --reuse-values --set cni.enabled=true` : `kubectl label namespace ${ns.name} ${ENFORCE_LABEL}=${needs} --overwrite`;
    return { check, subject, status: 'fail', message: `enforces ${enforce}, but ${mode} adds what ${enforce} forbids: ${what(broken)}; injected pods are refused (they need ${needs})`, fix };
  }
  const softer = [WARN_LABEL, AUDIT_LABEL].flatMap((l) => {
    const v = ns.labels[l];
    return isLevel(v) && violationsAt(c.sampleViolations ?? [], v).length > 0 ? [`${l.split('/')[1]}=${v}`] : [];
  });
  const label = raw === undefined ? 'no enforce label (the cluster default applies, privileged unless the API server is configured otherwise)' : `enforces ${enforce}`;
  if (softer.length > 0) {
    return { check, subject, status: 'warn', message: `${label}; ${mode} pods are admitted but ${softer.join(', ')} will report: ${what(c.sampleViolations)}`, fix: `kubectl label namespace ${ns.name} ${softer.map((s) => `pod-security.kubernetes.io/${s.split('=')[0]}=${needs}`).join(' ')} --overwrite` };
  }
  return { check, subject, status: 'pass', message: `${label}; ${mode} adds nothing it forbids (what it adds passes ${needs})` };
}

/** Judges the facts; checks in a stable order (by check, then as gathered). */
export function judgePreflight(facts: PreflightFacts, sample: Pod): PreflightReport {
  const checks: CheckResult[] = [];
  const selected = selectedNamespaces(facts, sample);
  for (const c of facts.configurations) checks.push(judgeDryRun(c, selected.get(c.name) ?? []));
  for (const c of facts.configurations) checks.push(...judgeServing(c, facts.now, facts.expiryWarningDays ?? 14));
  const cni = facts.configurations.find((c) => c.mode === 'cni');
  const nodeChecks = facts.nodes.flatMap((n) => judgeNode(n, cni));
  checks.push(...nodeChecks.filter((c) => c.check === PreflightCheck.nodeNetfilter), ...nodeChecks.filter((c) => c.check === PreflightCheck.cniPlugin));
  if (!cni) checks.push({ check: PreflightCheck.cniPlugin, subject: 'cluster', status: 'skip', message: 'no configuration runs in CNI mode' });
  for (const c of facts.configurations) {
    for (const name of selected.get(c.name) ?? []) {
      const ns = facts.namespaces.find((n) => n.name === name);
      const r = ns && judgePodSecurity(c, ns);
      if (r) checks.push(r);
    }
  }
  if (facts.configurations.length === 0) {
    const others = facts.webhooks.filter((w) => injectorWebhook(w)?.product !== 'sidecar-kit').map((w) => w.metadata?.name ?? '');
    checks.push({
      check: PreflightCheck.webhookReachable,
      subject: 'cluster',
      status: 'fail',
      message: `no sidecar-kit MutatingWebhookConfiguration (webhooks named *.sidecar-kit.io)${others.length ? `; other injectors: ${others.join(', ')}` : ''}`,
      fix: 'helm install sidecar-kit <chart> -n sidecar-kit --create-namespace',
    });
  }
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return { checks, counts };
}
