import { describe, expect, it } from 'vitest';
import { imageUrl } from './image.js';

describe('imageUrl', () => {
  it.each([
    ['docker.io/istio', 'proxyv2', '1.28.0', '', 'docker.io/istio/proxyv2:1.28.0'],
    ['docker.io/istio', 'proxyv2', '1.28.0', 'distroless', 'docker.io/istio/proxyv2:1.28.0-distroless'],
    ['docker.io/istio', 'proxyv2', '1.28.0-distroless', 'debug', 'docker.io/istio/proxyv2:1.28.0-debug'],
    ['docker.io/istio', 'proxyv2', '1.28.0-debug', 'default', 'docker.io/istio/proxyv2:1.28.0'],
    ['docker.io/istio', 'proxyv2', '1.28.0-debug', '', 'docker.io/istio/proxyv2:1.28.0-debug'],
    ['hub', 'custom', 1.28, '', 'hub/custom:1.28'],
  ] as const)('%s/%s:%s type %j', (hub, name, tag, type, expected) => {
    expect(imageUrl(hub, name, tag, type)).toBe(expected);
  });
});
