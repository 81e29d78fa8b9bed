// The conformance runs CI performs. Each entry: label, runner script (relative to
// ../shared/conformance), its arguments, and the suite name its PASS lines belong to
// (`suiteFromHeaders` when the runner prints "# <suite>" headers itself).
export const runs = [
  { label: 'kube-inject', script: 'run-inject.mjs', suite: 'inject', args: () => [] },
  { label: 'capture', script: 'run-capture.mjs', suite: 'capture', suiteFromHeaders: true, args: () => ['all'] },
  {
    // The admission webhook over real TLS: our server started with the base settings (README,
    // "The webhook contract"), a self-signed CA handed to the runner, stopped with SIGTERM.
    label: 'webhook', script: 'run-inject.mjs', suite: 'webhook',
    setup: async ({ root, shared }) => {
      const { startWebhookProcess } = await import('../e2e/webhook/server-process.mjs');
      const data = `${shared}/inject/data`;
      try {
        return await startWebhookProcess({
          cli: `${root}/dist/sidecar-kit.js`,
          args: ['--valuesFile', `${data}/base-values.yaml`, '--meshConfigFile', `${data}/base-mesh.yaml`],
          env: { ENABLE_NATIVE_SIDECARS: 'true' },
        });
      } catch (err) {
        // Let the runner report every case as failed (baseline regressions) instead of aborting.
        console.error(`webhook: server did not start: ${err.message}`);
        return { url: 'https://127.0.0.1:9/inject', caFile: undefined, stop: async () => undefined };
      }
    },
    args: (server) => ['--webhook', server.url, ...(server.caFile ? ['--cacert', server.caFile] : [])],
    teardown: (server) => server?.stop?.(),
  },
];
