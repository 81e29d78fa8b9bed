/**
 * OpenShift gives every container of a pod the same `runAsUser` (from the namespace's SCC range)
 * unless it sets one. A user-declared `istio-proxy` carrying that UID would run the proxy as the
 * application, so the capture rules (which exempt the proxy's UID) would loop the app's own
 * traffic. Istio's webhook therefore drops an `istio-proxy` `runAsUser`/`runAsGroup` equal to the
 * application's UID before injecting (webhook.go `isSidecarUserMatchingAppUser`), so that the
 * template's UID (the top of the namespace's range) applies; a different UID set on purpose is
 * kept. Istio does this in the webhook only (kube-inject has no namespace to read).
 */
import { INIT_CONTAINER, PROXY_CONTAINER as PROXY, VALIDATION_CONTAINER, type Container, type Pod } from '../k8s/pod.js';

const NOT_APP = new Set([PROXY, VALIDATION_CONTAINER, INIT_CONTAINER]);

/**
 * The UID comparison exactly as Istio makes it: containers, then init containers; the proxy's UID
 * is the last `istio-proxy`'s `runAsUser`, the app's the last other container's that sets one;
 * an unset UID counts as 0 (so a pod where neither is set matches).
 */
export function sidecarUserMatchesAppUser(pod: Pod): boolean {
  let sidecar = 0;
  let app = 0;
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const uid = c.securityContext?.runAsUser;
    if (c.name === PROXY) {
      if (uid !== undefined && uid !== null) sidecar = uid;
    } else if (!NOT_APP.has(c.name) && uid !== undefined && uid !== null) {
      app = uid;
    }
  }
  return sidecar === app;
}

/** The pod with the first `istio-proxy`'s (containers, then init containers) UID and GID dropped when they match the app's. */
export function dropSidecarUserMatchingApp(pod: Pod): Pod {
  const inContainers = (pod.spec?.containers ?? []).findIndex((c) => c.name === PROXY);
  const list = inContainers >= 0 ? 'containers' : 'initContainers';
  const containers = pod.spec?.[list] ?? [];
  const at = inContainers >= 0 ? inContainers : containers.findIndex((c) => c.name === PROXY);
  const proxy = containers[at];
  if (!proxy?.securityContext || !sidecarUserMatchesAppUser(pod)) return pod;
  const { runAsUser: _u, runAsGroup: _g, ...securityContext } = proxy.securityContext;
  const replaced: Container = { ...proxy, securityContext };
  return { ...pod, spec: { ...pod.spec, [list]: containers.map((c, i) => (i === at ? replaced : c)) } } as Pod;
}
