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
import { createWebhookMetrics } from './metrics.js';
import { buildMonitoringApp } from './monitoring.js';
import type { WebhookOptions } from './options.js';
import type { FileWatch } from './watch.js';

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

  let tls: TlsMaterial;
  let caPem: string | undefined;
  let patcher: CaBundlePatcher | undefined;
  let certWatch: FileWatch | undefined;
  if (opts.selfSigned) {
    const bundle = createSelfSignedBundle({ hosts: serviceHosts(opts.serviceName, opts.serviceNamespace), now: (deps.now ?? (() => new Date()))() });
    tls = { cert: bundle.certPem, key: bundle.keyPem };
    caPem = bundle.caPem;
    if (opts.caOutFile) writeAtomically(opts.caOutFile, caPem);
    logger.info({ service: `${opts.serviceName}.${opts.serviceNamespace}.svc`, notAfter: bundle.notAfter }, 'self-signed serving certificate created');
    if (access) {
      patcher = startCaBundlePatcher({
        access, webhookConfigName: opts.webhookConfigName, caPem, logger, onPatch: (r) => metrics.caBundlePatches.inc({ result: r }),
      });
    } else {
      logger.warn({ name: opts.webhookConfigName }, 'no Kubernetes API access: the CA is not written into the MutatingWebhookConfiguration');
    }
  } else {
    tls = loadTlsFiles(opts.tlsCertFile as string, opts.tlsKeyFile as string);
  }

  const app = buildWebhookApp(
    { injector, cluster, logger, metrics, clock: performance },
    { server: { https: secureContextOptions(tls), keepAliveTimeout: 65_000, requestTimeout: 30_000 } },
  );
  let closing = false;
  const monitoring = buildMonitoringApp({
    metrics,
    logger,
    readiness: { notReadyReason: () => (closing ? 'shutting down' : app.server.listening ? undefined : 'webhook not listening') },
  });
  await app.listen({ port: opts.port, host: opts.listenAddress });
  await monitoring.listen({ port: opts.monitoringPort, host: opts.listenAddress });
  if (!opts.selfSigned) {
    certWatch = startTlsReloader(
      {
        certFile: opts.tlsCertFile as string,
        keyFile: opts.tlsKeyFile as string,
        apply: (m) => (app.server as unknown as HttpsServer).setSecureContext(secureContextOptions(m)),
        logger,
        onResult: (r) => metrics.certReloads.inc({ result: r }),
      },
      tls,
    );
  }
  const port = (app.server.address() as { port: number }).port;
  const monitoringPort = (monitoring.server.address() as { port: number }).port;
  logger.info({ port, monitoringPort }, 'webhook serving');

  return {
    port,
    monitoringPort,
    caPem,
    async close() {
      closing = true;
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached, closing remaining connections');
        app.server.closeAllConnections();
      }, opts.shutdownTimeoutSeconds * 1000);
      force.unref();
      await app.close();
      clearTimeout(force);
      certWatch?.close();
      injector.close();
      await Promise.all([patcher?.stop(), cluster.stop(), monitoring.close()]);
      logger.info('webhook stopped');
    },
  };
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
