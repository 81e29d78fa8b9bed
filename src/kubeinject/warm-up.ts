/**
 * kube-inject's warm-up for the single executable's start-up snapshot (src/cli/executable-main.ts):
 * every stage of an offline run — settings files parsed (JSON and YAML), schemas built and
 * applied, a manifest of several kinds split, decoded, injected and emitted — runs once on
 * built-in sample inputs while the snapshot is made, so V8 has compiled the code and the lazily
 * built schemas exist before a user's run starts. Nothing from it reaches a run's output: the
 * memos it fills are keyed by content, and no settings, environment or file is kept.
 * Pure apart from CPU: no file, environment or clock is read.
 */
import { parseInjectConfigText, parseSettingsText } from '../config/load.js';
import { resolveSettings } from '../core/config/settings.js';
import { DEFAULT_MESH_CONFIG } from '../core/config/mesh.js';
import { DEFAULT_VALUES } from '../core/config/values.js';
import { parseIstiodEnvironment } from '../core/inject/environment.js';
import { injectManifest } from './manifest.js';

/** Workloads of the kinds and shapes kube-inject meets most: probes, ports, resources, annotations. */
const SAMPLE_MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: warm
spec:
  selector:
    app: api
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: warm
  labels: {app: api}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
        version: "v1"
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9102"
        traffic.sidecar.istio.io/excludeOutboundPorts: "5432"
        sidecar.istio.io/proxyCPU: 50m
    spec:
      serviceAccountName: api
      securityContext:
        fsGroup: 2000
      containers:
        - name: app
          image: registry.example/api:1.0
          args: ["--port=8080", '--verbose']
          ports:
            - name: http
              containerPort: 8080
            - containerPort: 9102
          env:
            - name: MODE
              value: production
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits:
              cpu: "1"
              memory: 1Gi
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
            periodSeconds: 5
          livenessProbe:
            tcpSocket:
              port: http
          startupProbe:
            grpc:
              port: 9090
          volumeMounts:
            - name: data
              mountPath: /data
        - name: worker
          image: registry.example/worker:1.0
          command: [sh, -c, 'exec worker']
          livenessProbe:
            exec:
              command: [cat, /tmp/healthy]
      volumes:
        - name: data
          emptyDir: {}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: warm
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: registry.example/report:1.0
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
      annotations:
        sidecar.istio.io/inject: "true"
        proxy.istio.io/config: |
          holdApplicationUntilProxyStarts: true
    spec:
      initContainers:
        - name: init
          image: registry.example/init:1.0
      containers:
        - name: db
          image: registry.example/db:1.0
          ports:
            - containerPort: 5432
              protocol: TCP
---
apiVersion: v1
kind: Pod
metadata:
  name: host
spec:
  hostNetwork: true
  containers:
    - name: agent
      image: registry.example/agent:1.0
`;

/** Mesh settings as a YAML file states them. */
const SAMPLE_MESH = `defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
  proxyMetadata: {}
  tracing:
    zipkin:
      address: zipkin.istio-system:9411
enablePrometheusMerge: true
rootNamespace: istio-system
trustDomain: cluster.local
`;

/** An injector config file as Istio's chart renders it, without template texts. */
const SAMPLE_INJECTOR_CONFIG = `defaultTemplates: [sidecar]
policy: enabled
alwaysInjectSelector: []
neverInjectSelector: []
injectedAnnotations:
template: "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}"
`;

/** Runs an offline kube-inject's stages on the samples, with and without settings files. */
export function warmUpKubeInject(): void {
  const { environment } = parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: 'false' });
  const fromFiles = resolveSettings({
    // The values key of Istio's injector ConfigMap is JSON; mesh config is usually YAML.
    values: parseSettingsText(JSON.stringify(DEFAULT_VALUES, null, 2), 'values.json', 'valuesFile'),
    mesh: parseSettingsText(SAMPLE_MESH, 'mesh.yaml', 'meshConfigFile'),
    injectConfig: parseInjectConfigText(SAMPLE_INJECTOR_CONFIG, 'config.yaml'),
    revision: 'default',
  });
  // A mesh config given as JSON (as the istio ConfigMap's `mesh` key can be) takes the parser's flow paths.
  parseSettingsText(JSON.stringify(DEFAULT_MESH_CONFIG), 'mesh.json', 'meshConfigFile');
  for (const settings of [fromFiles, resolveSettings({})]) {
    injectManifest(SAMPLE_MANIFEST, { settings, env: environment, facts: {} });
  }
}
