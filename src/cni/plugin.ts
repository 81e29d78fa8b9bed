/**
 * The CNI plugin's command handling (the executable's edge): parse the invocation, decide with
 * the pure core, program the pod's netns through the capture engine, print the result.
 * Everything that touches the machine is passed in, so tests drive it in-process.
 */
import { describeIssues, pluginConfSchema, POD_ANNOTATIONS_CAPABILITY, type PluginConf } from '../core/config/cni.js';
import { parsePodView, podFactsFromAnnotations, podFactsFromPod, type PodFacts } from '../core/cni/pod-facts.js';
import { redirectFromFacts, type CniRedirect } from '../core/cni/redirect.js';
import { AGENT_POD_PREFIX, scopeSkip } from '../core/cni/scope.js';
import {
  CniError,
  CniErrorCode,
  commandAllowed,
  containerIdFor,
  errorResult,
  isSupportedVersion,
  k8sPodArgs,
  parseCniArgs,
  parseCommand,
  passThroughResult,
  versionResult,
  type K8sPodArgs,
} from '../core/cni/spec.js';
import type { Logger } from './log.js';
import type { PodSource } from './kube-pods.js';

/** Where and for whom rules are programmed. */
export interface CaptureTarget {
  readonly netns: string;
  readonly containerId: string;
  readonly pod: K8sPodArgs;
  readonly conf: PluginConf;
  readonly prevResult: Record<string, unknown> | undefined;
}

/** Capture for one pod: created first (it may start probing the netns), applied once decided. */
export interface PreparedCapture {
  apply(redirect: CniRedirect): Promise<void>;
}

export interface PluginDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin: () => string;
  readonly makeLogger: (conf: PluginConf | undefined) => Logger;
  readonly makePodSource: (conf: PluginConf, logger: Logger) => PodSource | Promise<PodSource>;
  readonly prepareCapture: (target: CaptureTarget, logger: Logger) => PreparedCapture;
}

export interface PluginOutcome {
  readonly stdout: string;
  readonly exitCode: number;
}

const json = (v: unknown): string => `${JSON.stringify(v)}\n`;

function parseConf(stdin: string): PluginConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(CniErrorCode.decodeFailure, `network configuration on stdin is not JSON: ${(err as Error).message}`);
  }
  const parsed = pluginConfSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CniError(CniErrorCode.invalidConfig, `invalid network configuration: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Facts from the runtime-provided annotations, when they carry them (no API call needed). */
function factsFromRuntime(conf: PluginConf, logger: Logger): PodFacts | undefined {
  const annotations = conf.runtimeConfig?.[POD_ANNOTATIONS_CAPABILITY];
  if (annotations === undefined) return undefined;
  const r = podFactsFromAnnotations(annotations);
  if ('facts' in r) return r.facts;
  logger.debug('runtime annotations lack the pod facts, asking the API', { reason: r.miss, detail: r.detail });
  return undefined;
}

async function factsFromApi(conf: PluginConf, pod: K8sPodArgs, deps: PluginDeps, logger: Logger): Promise<PodFacts> {
  const source = await deps.makePodSource(conf, logger);
  return podFactsFromPod(parsePodView(await source.getPod(pod.namespace, pod.name)));
}

async function add(conf: PluginConf, containerId: string, deps: PluginDeps, logger: Logger): Promise<string> {
  const pass = json(passThroughResult(conf.cniVersion, conf.prevResult));
  const pod = k8sPodArgs(parseCniArgs(deps.env.CNI_ARGS));
  const name = `${pod.namespace}/${pod.name}`;
  const scope = scopeSkip(pod, { excludeNamespaces: conf.exclude_namespaces, podNamespace: conf.pod_namespace });
  if (scope !== undefined) {
    logger.info('pod left alone', { pod: name, reason: scope });
    return pass;
  }
  if (conf.ambient_enabled) logger.warn('ambient mode is not supported; handling the pod as a sidecar pod');
  const netns = deps.env.CNI_NETNS ?? '';
  if (netns === '') throw new CniError(CniErrorCode.invalidEnvironment, 'CNI_NETNS is not set');
  const target: CaptureTarget = { netns, containerId, pod, conf, prevResult: conf.prevResult };

  let facts = factsFromRuntime(conf, logger);
  let capture: PreparedCapture | undefined;
  if (facts) {
    logger.debug('pod facts from runtime annotations', { pod: name });
  } else {
    // While the API answers, probe the netns: it does not depend on the pod.
    capture = deps.prepareCapture(target, logger);
    try {
      facts = await factsFromApi(conf, pod, deps, logger);
    } catch (err) {
      // Istio: an unreadable pod named like our own agent is our agent (its namespace unknown).
      if (err instanceof CniError && err.code === CniErrorCode.podLookupFailed && pod.name.startsWith(AGENT_POD_PREFIX)) {
        logger.info('pod left alone', { pod: name, reason: 'own-agent-pod' });
        return pass;
      }
      throw err;
    }
  }
  const decision = redirectFromFacts(facts);
  if (decision.kind === 'skip') {
    logger.info('pod left alone', { pod: name, reason: decision.reason });
    return pass;
  }
  await (capture ?? deps.prepareCapture(target, logger)).apply(decision.redirect);
  logger.info('capture rules programmed', { pod: name, mode: decision.redirect.mode });
  return pass;
}

/**
 * `work`, or a deadlineExceeded error once `ms` have passed. Whatever `work` still has running
 * (a process, an API request) is left to the process exit that follows the answer.
 */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new CniError(CniErrorCode.deadlineExceeded, `the invocation did not finish within ${ms} ms (sidecar_kit.deadline_ms)`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one invocation. Never throws: failures become the CNI error object on stdout and exit
 * code 1. DEL, CHECK, STATUS and GC succeed without side effects (the rules live and die with
 * the pod's netns), so repeating them is safe. ADD has an overall deadline below the runtime's
 * (`sidecar_kit.deadline_ms`).
 */
export async function runPlugin(deps: PluginDeps): Promise<PluginOutcome> {
  let version = '1.0.0';
  let logger = deps.makeLogger(undefined);
  try {
    const command = parseCommand(deps.env.CNI_COMMAND);
    if (command === 'VERSION') return { stdout: json(versionResult()), exitCode: 0 };
    const conf = parseConf(deps.readStdin());
    version = conf.cniVersion;
    logger = deps.makeLogger(conf);
    if (!isSupportedVersion(conf.cniVersion)) {
      throw new CniError(CniErrorCode.incompatibleVersion, `CNI version ${conf.cniVersion} is not supported`, {
        details: `supported: ${versionResult().supportedVersions.join(', ')}`,
      });
    }
    if (!commandAllowed(command, conf.cniVersion)) {
      throw new CniError(CniErrorCode.incompatibleVersion, `config version ${conf.cniVersion} does not allow ${command}`);
    }
    const containerId = containerIdFor(command, deps.env.CNI_CONTAINERID);
    if (command !== 'ADD') {
      logger.debug(`${command} is a no-op`, { container: containerId });
      return { stdout: '', exitCode: 0 };
    }
    return { stdout: await withDeadline(add(conf, containerId as string, deps, logger), conf.sidecar_kit.deadline_ms), exitCode: 0 };
  } catch (err) {
    const result = errorResult(version, err);
    logger.error(result.msg, { code: result.code });
    return { stdout: json(result), exitCode: 1 };
  }
}
