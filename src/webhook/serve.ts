/**
 * Wires the running webhook: configuration (hot reload), cluster watches, serving certificate
 * (files with reload, or self-signed with the caBundle patcher), the HTTPS webhook app and the
 * monitoring app. Returns a handle whose `close()` is the graceful shutdown: readiness goes
 * false, the listener stops accepting, in-flight admissions finish (bounded by the shutdown
 * timeout, after which remaining connections are cut), then the watches stop.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { buildWebhookApp } from './app.js';
import { createSelfSignedBundle, serviceHosts } from './certs/self-signed.js';
import { loadTlsFiles, secureContextOptions, startTlsReloader, type TlsMaterial } from './certs/tls-files.js';
import { startReloadingInjector, type InjectorBuilder } from './config-source.js';
import { startCaBundlePatcher, type CaBundlePatcher } from './kube/cabundle.js';
import { findKubeAccess, type KubeAccess } from './kube/client.js';
import { startClusterFacts } from './kube/cluster-facts.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import { buildMonitoringApp } from './monitoring.js';
import type { WebhookOptions } from './options.js';

export interface ServeDeps {
  readonly logger: Logger;
  readonly build: InjectorBuilder;
  /** ENABLE_NATIVE_SIDECARS and PLATFORM decide which watches run. */
  readonly env: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** Tests inject API access (a test double); default: kubeconfig / in-cluster discovery. */
  readonly kubeAccess?: KubeAccess | null;
}

export interface RunningWebhook {
  readonly port: number;
  readonly monitoringPort: number;
  /** The generated CA with --self-signed. */
  readonly caPem: string | undefined;
  close(): Promise<void>;
}

export async function startWebhook(opts: WebhookOptions, deps: ServeDeps): Promise<RunningWebhook> {
  const { logger } = deps;
  const metrics = createWebhookMetrics({ defaultMetrics: true });
  const injector = startReloadingInjector({
    paths: { configDir: opts.configDir, injectConfigFile: opts.injectConfigFile, valuesFile: opts.valuesFile, meshConfigFile: opts.meshConfigFile },
    build: deps.build,
    logger,
    metrics,
  });
  const access = deps.kubeAccess === undefined ? findKubeAccess({ kubeconfig: opts.kubeconfig, env: deps.env }) : (deps.kubeAccess ?? undefined);
  if (access) logger.info({ source: access.source }, 'Kubernetes API access');
  const nativeMode = deps.env.ENABLE_NATIVE_SIDECARS ?? 'auto';
  const cluster = startClusterFacts({ access, logger, nodes: nativeMode === 'auto', namespaces: deps.env.PLATFORM === 'openshift' });
  const stoppers: (() => unknown)[] = [() => injector.close(), () => cluster.stop()];
  const stopAll = () => Promise.all(stoppers.splice(0).map((f) => f()));
  try {
    const cert = servingCertificate(opts, deps, access, metrics);
    if (cert.patcher) stoppers.push(() => cert.patcher?.stop());
    const app = buildWebhookApp(
      { injector, cluster, logger, metrics, clock: performance },
      { server: { https: secureContextOptions(cert.tls), keepAliveTimeout: 65_000, requestTimeout: 30_000 } },
    );
    let closing = false;
    const monitoring = buildMonitoringApp({
      metrics,
      logger,
      readiness: {
        notReadyReason: () =>
          closing ? 'shutting down' : !app.server.listening ? 'webhook not listening' : !cluster.settled() ? 'waiting for the first list of nodes/namespaces' : undefined,
      },
    });
    stoppers.push(() => app.close(), () => monitoring.close());
    await app.listen({ port: opts.port, host: opts.listenAddress });
    await monitoring.listen({ port: opts.monitoringPort, host: opts.listenAddress });
    if (!opts.selfSigned) {
      const certWatch = startTlsReloader(
        {
          certFile: opts.tlsCertFile as string,
          keyFile: opts.tlsKeyFile as string,
          apply: (m) => (app.server as unknown as HttpsServer).setSecureContext(secureContextOptions(m)),
          logger,
          onResult: (r) => metrics.certReloads.inc({ result: r }),
        },
        cert.tls,
      );
      stoppers.push(() => certWatch.close());
    }
    const port = (app.server.address() as { port: number }).port;
    const monitoringPort = (monitoring.server.address() as { port: number }).port;
    logger.info({ port, monitoringPort }, 'webhook serving');
    return {
      port,
      monitoringPort,
      caPem: cert.caPem,
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

/** The serving certificate: from files, or self-signed with the caBundle patcher when possible. */
function servingCertificate(opts: WebhookOptions, deps: ServeDeps, access: KubeAccess | undefined, metrics: WebhookMetrics) {
  const { logger } = deps;
  if (!opts.selfSigned) return { tls: loadTlsFiles(opts.tlsCertFile as string, opts.tlsKeyFile as string), caPem: undefined, patcher: undefined };
  const bundle = createSelfSignedBundle({ hosts: serviceHosts(opts.serviceName, opts.serviceNamespace), now: (deps.now ?? (() => new Date()))() });
  if (opts.caOutFile) writeAtomically(opts.caOutFile, bundle.caPem);
  logger.info({ service: `${opts.serviceName}.${opts.serviceNamespace}.svc`, notAfter: bundle.notAfter }, 'self-signed serving certificate created');
  let patcher: CaBundlePatcher | undefined;
  if (access) {
    patcher = startCaBundlePatcher({
      access, webhookConfigName: opts.webhookConfigName, caPem: bundle.caPem, logger, onPatch: (r) => metrics.caBundlePatches.inc({ result: r }),
    });
  } else {
    logger.warn({ name: opts.webhookConfigName }, 'no Kubernetes API access: the CA is not written into the MutatingWebhookConfiguration');
  }
  const tls: TlsMaterial = { cert: bundle.certPem, key: bundle.keyPem };
  return { tls, caPem: bundle.caPem, patcher };
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
