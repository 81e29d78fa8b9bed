/**
 * The multi-service sample of the user-journey scenario: `frontend`, `catalog` and `orders`
 * (busybox httpd on 8080, each with a Service), a `legacy` Deployment that opts out of
 * injection, and the ConfigMap istiod would publish in every namespace (the injected proxy
 * mounts it); plus the fleet of the fault run. `image`: a busybox image (sh, httpd, sleep).
 */

export const SERVICES = ['frontend', 'catalog', 'orders'] as const;
export const APP_PORT = 8080;

const PLACEHOLDER_CA = '-----BEGIN CERTIFICATE-----\nMIIBsidecarkite2eplaceholder\n-----END CERTIFICATE-----\n';

export function namespace(name: string, labels: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function deployment(ns: string, name: string, image: string, podLabels: Record<string, string> = {}, replicas = 1, podAnnotations: Record<string, string> = {}) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, ...podLabels }, annotations: podAnnotations },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name,
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', `mkdir -p /www && echo "app=${name} pod=$HOSTNAME" > /www/index.html && exec httpd -f -p ${APP_PORT} -h /www`],
              ports: [{ name: 'http', containerPort: APP_PORT }],
            },
          ],
        },
      },
    },
  };
}

function service(ns: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: APP_PORT, targetPort: APP_PORT }] },
  };
}

/** The injected workloads of one namespace, plus an opted-out one. */
export function rootCertConfigMap(ns: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: ns }, data: { 'root-cert.pem': PLACEHOLDER_CA } };
}

export function sampleApp(ns: string, image: string): unknown[] {
  return [rootCertConfigMap(ns), ...SERVICES.flatMap((s) => [deployment(ns, s, image), service(ns, s)]), deployment(ns, 'legacy', image, { 'sidecar.istio.io/inject': 'false' })];
}

/** A client in a namespace nobody labelled: never injected. */
export function plainClient(ns: string, image: string): unknown[] {
  return [deployment(ns, 'client', image)];
}

/** A bare pod of the app (for admission checks outside a Deployment). */
export function barePod(ns: string, name: string, image: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name, ...labels } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  };
}
