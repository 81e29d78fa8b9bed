import { describe, expect, it } from 'vitest';
import type { Pod } from '../k8s/pod.js';
import { detectNativeSidecar } from './environment.js';

// Istio's DetectNativeSidecar for ENABLE_NATIVE_SIDECARS=auto (checked against it by npm run oracle:diff).
const auto = { enableNativeSidecars: 'auto' };
const pod = (nodeName?: string): Pod => ({ spec: { containers: [{ name: 'app' }], ...(nodeName ? { nodeName } : {}) } }) as Pod;
const nodes = (...v: string[]) => ({ nodes: v.map((kubeletVersion, i) => ({ name: `node-${i + 1}`, kubeletVersion })) });

describe('native sidecars in auto mode', () => {
  it('follows the pod node when the watch knows it, else every node', () => {
    expect(detectNativeSidecar(auto, nodes('v1.28.0', 'v1.33.0'), pod('node-2'))).toBe(true);
    expect(detectNativeSidecar(auto, nodes('v1.28.0', 'v1.33.0'), pod('node-1'))).toBe(false);
    expect(detectNativeSidecar(auto, nodes('v1.36.3'), pod('node-9'))).toBe(true); // unknown node: all nodes decide
    expect(detectNativeSidecar(auto, nodes('v1.36.3', 'v1.30.1'), pod('node-9'))).toBe(false);
  });
  it('an empty node list supports them; no node watch does not', () => {
    expect(detectNativeSidecar(auto, { nodes: [] }, pod())).toBe(true);
    expect(detectNativeSidecar(auto, {}, pod())).toBe(false);
  });
  it('compares the minor version as go-version parses it', () => {
    expect(detectNativeSidecar(auto, nodes('v1.32.9-gke.1'), pod())).toBe(false);
    expect(detectNativeSidecar(auto, nodes('v1.33.0+k3s1'), pod())).toBe(true);
    expect(detectNativeSidecar(auto, nodes('garbage'), pod())).toBe(false);
    expect(detectNativeSidecar(auto, nodes('v2.0.0'), pod())).toBe(false);
  });
});
