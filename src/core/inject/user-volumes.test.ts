/**
 * sidecar.istio.io/userVolume and userVolumeMount as Istio's template reads them (a JSON object
 * or a JSON array), found by the differential fuzzing against Istio's own code: Istio's
 * samples/addons/extras/prometheus-secure-metrics.yaml uses the array form.
 */
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../config/settings.js';
import type { Pod } from '../k8s/pod.js';
import { injectPod } from './inject.js';

const settings = resolveSettings({});
const inject = (volume: string | undefined, mount: string | undefined) =>
  injectPod({
    pod: {
      metadata: { name: 'p', namespace: 'ns', annotations: { ...(volume !== undefined ? { 'sidecar.istio.io/userVolume': volume } : {}), ...(mount !== undefined ? { 'sidecar.istio.io/userVolumeMount': mount } : {}) } },
      spec: { containers: [{ name: 'app', image: 'app' }] },
    } as Pod,
  }, settings, { enableNativeSidecars: 'false' });
const userMounts = (pod: Pod) => (pod.spec?.containers?.find((c) => c.name === 'istio-proxy')?.volumeMounts ?? []).filter((m) => !m.mountPath.startsWith('/var/') && !m.mountPath.startsWith('/etc/istio'));
const userVolumes = (pod: Pod) => (pod.spec?.volumes ?? []).filter((v) => !/^(workload-|credential-|istio|istiod)/.test(v.name as string));

describe('user volumes and mounts from annotations', () => {
  it('accepts the JSON array form: elements in order, named by their own name (else their index)', () => {
    const r = inject('[{"name":"certs","secret":{"secretName":"certs"}},{"emptyDir":{}}]', '[{"name":"certs","mountPath":"/etc/certs","readOnly":true},{"mountPath":"/x"}]');
    expect(userMounts(r.pod)).toEqual([{ name: 'certs', mountPath: '/etc/certs', readOnly: true }, { name: '1', mountPath: '/x' }]);
    expect(userVolumes(r.pod)).toEqual([{ name: 'certs', secret: { secretName: 'certs' } }, { name: '1', emptyDir: {} }]);
  });

  it('keeps the object form: entries sorted by key, a value of its own name wins', () => {
    const r = inject('{"b":{"emptyDir":{}},"a":{"emptyDir":{}}}', '{"b":{"mountPath":"/b"},"a":{"mountPath":"/a","name":"zz"}}');
    expect(userMounts(r.pod).map((m) => m.name)).toEqual(['zz', 'b']);
    expect(userVolumes(r.pod).map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('null renders nothing; what Istio cannot render fails the injection', () => {
    expect(userMounts(inject(undefined, 'null').pod)).toEqual([]);
    for (const bad of ['', 'not json', 'true', '12', '"x"', '{"a":{}}', '{"a":"str"}', '[null]', '[[1]]', '{"a":null}']) {
      expect(() => inject(undefined, bad), bad).toThrow(/failed to run injection template/);
    }
  });
});
