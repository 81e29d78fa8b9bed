import { describe, expect, it } from 'vitest';
import { createAgentMetrics, InstallResult } from './agent-metrics.js';
import { buildAgentServer } from './agent-server.js';

describe('the node agent monitoring server', () => {
  it('/readyz follows the plugin; /metrics carries Istio-named series; /healthz answers', async () => {
    const metrics = createAgentMetrics();
    let why: string | undefined = 'the plugin is not in place';
    const app = buildAgentServer({ metrics, readiness: { notReadyReason: () => why } });
    try {
      const notReady = await app.inject({ method: 'GET', url: '/readyz' });
      expect([notReady.statusCode, notReady.body]).toEqual([503, 'not ready: the plugin is not in place\n']);
      why = undefined;
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).body).toBe('ok\n');
      metrics.installReady.set(1);
      metrics.installs.inc({ result: InstallResult.success });
      metrics.repaired.inc({ type: 'delete', result: 'success' });
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(/^istio_cni_install_ready 1$/m);
      expect(text).toMatch(/^istio_cni_installs_total\{result="SUCCESS"\} 1$/m);
      expect(text).toMatch(/^istio_cni_repair_pods_repaired_total\{type="delete",result="success"\} 1$/m);
    } finally {
      await app.close();
    }
  });
});
