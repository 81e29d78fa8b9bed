/**
 * Wires the running webhook: configuration (hot reload), cluster watches, serving certificate
 * (files with reload, or self-signed from the shared CA Secret with renewal and the caBundle
 * patcher, self-signed-mode.ts), the HTTPS webhook app and the
 * monitoring app. Returns a handle whose `close()` is the graceful shutdown: readiness goes
 * false, the listener stops accepting, in-flight admissions finish (bounded by the shutdown
 * timeout, after which remaining connections are cut), then the watches stop.
 */
import type { Server as HttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { createAdmissionWorkerPool } from './admission-workers.js';
import { buildWebhookApp } from './app.js';
import { createDecisionEvents, type DecisionEvents } from './decision-events.js';
import { kubeJson } from '../kube/json-client.js';
import { loadTlsFiles, secureContextOptions, startTlsReloader, type TlsMaterial } from './certs/tls-files.js';
import { readConfigTexts, resolveConfigFiles, startReloadingInjector, type InjectorBuilder } from './config-source.js';
import { injectionEnvironment, settingsFromTexts } from './core-injector.js';
import { startCoverageController, type CoverageController } from './coverage-controller.js';
import { coverageInjector } from '../core/coverage/injector.js';
import { findKubeAccess, type KubeAccess } from './kube/client.js';
import { startClusterFacts } from './kube/cluster-facts.js';
import { parseIstiodEnvironment } from '../core/inject/environment.js';
import { createWebhookMetrics } from './metrics.js';
import { buildMonitoringApp } from './monitoring.js';
import type { WebhookOptions } from './options.js';
import { startSelfSignedMode, type SelfSignedMode } from './self-signed-mode.js';
import { systemWallClock, type WallClock } from './wall-clock.js';

export interface ServeDeps {
  readonly logger: Logger;
  readonly build: InjectorBuilder;
  /** ENABLE_NATIVE_SIDECARS and PLATFORM decide which watches run. */
  readonly env: NodeJS.ProcessEnv;
  /** Wall clock for certificate issue and renewal (tests pass a fake one). */
  readonly wallClock?: WallClock;
  /** Tests inject API access (a test double); default: kubeconfig / in-cluster discovery. */
  readonly kubeAccess?: KubeAccess | null;
  /**
   * `build` is `coreInjectorBuilder(revision, injectionEnvironment(env))` with this revision:
   * admission worker threads (--admissionWorkers) can build the same injector. Without it (a test
   * double as `build`) every admission is answered on the event loop.
   */
  readonly coreRevision?: string;
}

export interface RunningWebhook {
  readonly port: number;
  readonly monitoringPort: number;
  /** With --self-signed: the CA bundle the caBundle carries (follows rotations). */
  readonly caPem: string | undefined;
  /** With --self-signed: the serving certificate management (renewal, current certificate). */
  readonly selfSigned: SelfSignedMode | undefined;
  close(): Promise<void>;
}

export async function startWebhook(opts: WebhookOptions, deps: ServeDeps): Promise<RunningWebhook> {
  const { logger } = deps;
  const metrics = createWebhookMetrics({ defaultMetrics: true });
  // Before anything that would need stopping: a bad kubeconfig fails the start cleanly.
  const access = deps.kubeAccess === undefined ? findKubeAccess({ kubeconfig: opts.kubeconfig, env: deps.env }) : (deps.kubeAccess ?? undefined);
  const injector = startReloadingInjector({
    paths: { configDir: opts.configDir, injectConfigFile: opts.injectConfigFile, valuesFile: opts.valuesFile, meshConfigFile: opts.meshConfigFile },
    build: deps.build,
    logger,
    metrics,
  });
  if (access) logger.info({ source: access.source }, 'Kubernetes API access');
  const istiod = parseIstiodEnvironment(deps.env).environment;
  const cluster = startClusterFacts({ access, logger, nodes: istiod.enableNativeSidecars === 'auto', namespaces: istiod.platform === 'openshift' });
  const stoppers: (() => unknown)[] = [() => injector.close(), () => cluster.stop()];
  const stopAll = () => Promise.all(stoppers.splice(0).map((f) => f()));
  try {
    // The server exists only once the first certificate is known; renewals go to it after that.
    const https: { server?: HttpsServer } = {};
    const apply = (m: TlsMaterial) => https.server?.setSecureContext(secureContextOptions(m));
    const selfSigned = opts.selfSigned
      ? await startSelfSignedMode(opts, { access, logger, metrics, clock: deps.wallClock ?? systemWallClock, apply })
      : undefined;
    if (selfSigned) stoppers.push(() => selfSigned.stop());
    const initial = selfSigned ? selfSigned.certs.current() : loadTlsFiles(opts.tlsCertFile as string, opts.tlsKeyFile as string);
    const pool =
      opts.admissionWorkers > 0 && deps.coreRevision !== undefined
        ? createAdmissionWorkerPool(
            {
              workers: opts.admissionWorkers,
              minBytes: opts.admissionWorkerMinBytes,
              maxQueue: opts.admissionWorkerQueue,
              timeoutMs: opts.admissionWorkerTimeoutMs,
              heapMb: opts.admissionWorkerHeapMb,
            },
            {
              revision: deps.coreRevision,
              env: deps.env,
              logger,
              onResult: (result) => metrics.workerAdmissions.inc({ result }),
            },
          )
        : undefined;
    const decisionEvents = opts.decisionEvents ? startDecisionEvents(access, { logger, metrics, env: deps.env }) : undefined;
    if (decisionEvents) stoppers.push(() => decisionEvents.drain());
    const coverage = opts.coverageInterval > 0 ? startCoverage(opts, access, { logger, metrics, env: deps.env }) : undefined;
    if (coverage) stoppers.push(() => coverage.stop());
    const app = buildWebhookApp(
      { injector, cluster, logger, metrics, clock: performance, ...(decisionEvents ? { decisionEvents } : {}), ...(pool ? { offload: { pool, config: () => injector.config() } } : {}) },
      { server: { https: secureContextOptions(initial), keepAliveTimeout: 65_000, requestTimeout: 30_000 } },
    );
    https.server = app.server as unknown as HttpsServer;
    let closing = false;
    const monitoring = buildMonitoringApp({
      metrics,
      logger,
      readiness: {
        notReadyReason: () =>
          closing ? 'shutting down' : !app.server.listening ? 'webhook not listening' : !cluster.settled() ? 'waiting for the first list of nodes/namespaces' : undefined,
      },
    });
    // The workers drain after the app: requests still being answered may yet hand them work.
    stoppers.push(async () => {
      await app.close();
      await pool?.close();
    }, () => monitoring.close());
    await app.listen({ port: opts.port, host: opts.listenAddress });
    await monitoring.listen({ port: opts.monitoringPort, host: opts.listenAddress });
    if (!opts.selfSigned) {
      const certWatch = startTlsReloader(
        {
          certFile: opts.tlsCertFile as string,
          keyFile: opts.tlsKeyFile as string,
          apply,
          logger,
          onResult: (r) => metrics.certReloads.inc({ result: r }),
        },
        initial,
      );
      stoppers.push(() => certWatch.close());
    }
    const port = (app.server.address() as { port: number }).port;
    const monitoringPort = (monitoring.server.address() as { port: number }).port;
    logger.info({ port, monitoringPort }, 'webhook serving');
    return {
      port,
      monitoringPort,
      get caPem() {
        return selfSigned?.caPem();
      },
      selfSigned,
      async close() {
        closing = true;
        const force = setTimeout(() => {
          logger.warn('shutdown timeout reached, closing remaining connections');
          app.server.closeAllConnections();
        }, opts.shutdownTimeoutSeconds * 1000);
        force.unref();
        await stopAll(); // app.close() among them: stops accepting, answers what is in flight
        clearTimeout(force);
        logger.info('webhook stopped');
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Decision events through the API access; without any, a warning and none. */
function startCoverage(opts: WebhookOptions, access: KubeAccess | undefined, d: { logger: Logger; metrics: ReturnType<typeof createWebhookMetrics>; env: NodeJS.ProcessEnv }): CoverageController | undefined {
  if (!access) {
    d.logger.warn('--coverageInterval: no Kubernetes API access (kubeconfig or service account): no coverage controller');
    return undefined;
  }
  const paths = { configDir: opts.configDir, injectConfigFile: opts.injectConfigFile, valuesFile: opts.valuesFile, meshConfigFile: opts.meshConfigFile };
  const environment = injectionEnvironment(d.env);
  return startCoverageController(
    {
      intervalMs: opts.coverageInterval * 1000,
      configurations: opts.webhookConfigName.split(',').map((n) => n.trim()).filter((n) => n !== ''),
      leaseNamespace: opts.serviceNamespace,
      leaseName: `${opts.serviceName}-coverage`,
      identity: d.env.POD_NAME ?? d.env.HOSTNAME ?? 'webhook',
      recreate: { enabled: opts.coverageRecreate, maxPerPass: opts.coverageMaxRecreations },
    },
    {
      api: kubeJson(access.kubeConfig, 30_000),
      logger: d.logger,
      metrics: d.metrics,
      // The configuration as served now (files re-read at each pass: they hot-reload).
      injector: (nodes) => {
        const files = resolveConfigFiles(paths);
        return coverageInjector(settingsFromTexts(readConfigTexts(files), opts.revision, files), environment, { nodes });
      },
      now: () => new Date(),
    },
  );
}

function startDecisionEvents(access: KubeAccess | undefined, d: { logger: Logger; metrics: ReturnType<typeof createWebhookMetrics>; env: NodeJS.ProcessEnv }): DecisionEvents | undefined {
  if (!access) {
    d.logger.warn('--decisionEvents: no Kubernetes API access (kubeconfig or service account): no decision events');
    return undefined;
  }
  const api = kubeJson(access.kubeConfig, 10_000);
  return createDecisionEvents({
    post: async (namespace, event) => {
      await api.post(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, event);
    },
    logger: d.logger,
    metrics: d.metrics,
    now: () => new Date(),
    instance: d.env.POD_NAME ?? d.env.HOSTNAME ?? '',
  });
}
