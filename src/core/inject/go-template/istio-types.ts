/**
 * Go types of Istio's injection template data: the protobuf messages ProxyConfig and
 * MeshConfig (istio.io/api mesh/v1alpha1, held as protojson) and `SidecarTemplateData`
 * (pkg/kube/inject), the struct every injection template is executed against.
 *
 * Protobuf messages get Go names by upper-casing the JSON name's first letter, a nil-safe
 * `Get<Field>` method per field (`.ProxyConfig.GetTracing.GetTlsSettings`), wrapper types
 * (`.HoldApplicationUntilProxyStarts.GetValue`) and enums that print their name
 * (`.ProxyConfig.InterceptionMode` is `REDIRECT` when unset).
 */
import { goTypes } from './k8s-types.js';
import { GoStruct } from '../../template/values.js';

const t = goTypes;
const proto = { proto: true } as const;

for (const w of ['BoolValue bool', 'Int32Value int32', 'UInt32Value uint32', 'Int64Value int64', 'DoubleValue float64', 'StringValue string']) {
  const [name, type] = w.split(' ');
  t.define(`wrapperspb.${name}`, `value ${type}`, { proto: true, special: 'wrapper' });
}
t.define('durationpb.Duration', 'seconds int64\nnanos int32', { proto: true, special: 'duration' });
t.define('structpb.Struct', '', { special: 'open' });
for (const open of [
  'v1alpha1.Topology_ProxyProtocolConfiguration', 'v1alpha3.ReadinessProbe', 'v1alpha1.PrivateKeyProvider', 'v1alpha1.ProxyConfig_ProxyHeaders',
  'v1alpha1.Tracing_Zipkin', 'v1alpha1.Tracing_Lightstep', 'v1alpha1.Tracing_Datadog', 'v1alpha1.Tracing_Stackdriver', 'v1alpha1.Tracing_OpenCensusAgent',
  'v1alpha1.Tracing_CustomTag', 'v1alpha1.SDS', 'v1alpha3.ConnectionPoolSettings_TCPSettings_TcpKeepalive', 'v1alpha1.ConfigSource',
  'v1alpha3.LocalityLoadBalancerSetting', 'v1alpha1.Certificate', 'v1alpha1.MeshConfig_ServiceSettings', 'v1alpha1.MeshConfig_CA',
  'v1alpha1.MeshConfig_ExtensionProvider', 'v1alpha1.MeshConfig_DefaultProviders', 'v1.LabelSelectorProto', 'v1alpha1.MeshConfig_ProxyPathNormalization',
  'v1alpha3.HTTPRetry', 'v1alpha1.MeshConfig_TLSConfig', 'v1alpha1.MeshConfig_ServiceScopeConfigs',
]) {
  t.define(open, '', { special: 'open' });
}

t.enum('v1alpha1.AuthenticationPolicy', { NONE: 0, MUTUAL_TLS: 1, INHERIT: 1000 });
t.enum('v1alpha1.ProxyConfig_InboundInterceptionMode', { REDIRECT: 0, TPROXY: 1, NONE: 2 });
t.enum('v1alpha3.ClientTLSSettings_TLSmode', { DISABLE: 0, SIMPLE: 1, MUTUAL: 2, ISTIO_MUTUAL: 3, OPTIONAL_MUTUAL: 4 });
t.enum('v1alpha1.Topology_ForwardClientCertDetails', {
  UNDEFINED: 0, SKIP: 1, FORWARD_ONLY: 2, APPEND_FORWARD: 3, SANITIZE_SET: 4, SANITIZE: 5, ALWAYS_FORWARD_ONLY: 6,
});
t.enum('v1alpha1.MeshConfig_IngressControllerMode', { UNSPECIFIED: 0, OFF: 1, DEFAULT: 2, STRICT: 3 });
t.enum('v1alpha1.MeshConfig_AccessLogEncoding', { TEXT: 0, JSON: 1 });
t.enum('v1alpha1.MeshConfig_OutboundTrafficPolicy_Mode', { REGISTRY_ONLY: 0, ALLOW_ANY: 1 });
t.enum('v1alpha1.MeshConfig_InboundTrafficPolicy_Mode', { PASSTHROUGH: 0, LOCALHOST: 1 });
t.enum('v1alpha1.MeshConfig_H2UpgradePolicy', { DO_NOT_UPGRADE: 0, UPGRADE: 1 });

t.define('v1alpha3.ClientTLSSettings', `
  mode v1alpha3.ClientTLSSettings_TLSmode
  clientCertificate string
  privateKey string
  caCertificates string
  credentialName string
  subjectAltNames []string
  sni string
  insecureSkipVerify *wrapperspb.BoolValue
  caCrl string
`, proto);
t.define('v1alpha1.RemoteService', `
  address string
  tlsSettings *v1alpha3.ClientTLSSettings
  tcpKeepalive *v1alpha3.ConnectionPoolSettings_TCPSettings_TcpKeepalive
`, proto);
t.define('v1alpha1.Tracing', `
  zipkin *v1alpha1.Tracing_Zipkin
  lightstep *v1alpha1.Tracing_Lightstep
  datadog *v1alpha1.Tracing_Datadog
  stackdriver *v1alpha1.Tracing_Stackdriver
  openCensusAgent *v1alpha1.Tracing_OpenCensusAgent
  customTags map[string]*v1alpha1.Tracing_CustomTag
  maxPathTagLength *wrapperspb.UInt32Value
  sampling *wrapperspb.DoubleValue
  tlsSettings *v1alpha3.ClientTLSSettings
  enableIstioTags *wrapperspb.BoolValue
`, proto);
t.define('v1alpha1.Topology', `
  numTrustedProxies uint32
  forwardClientCertDetails v1alpha1.Topology_ForwardClientCertDetails
  proxyProtocol *v1alpha1.Topology_ProxyProtocolConfiguration
`, proto);
t.define('v1alpha1.ProxyStatsMatcher', 'inclusionPrefixes []string\ninclusionSuffixes []string\ninclusionRegexps []string', proto);
t.define('v1beta1.ProxyImage', 'imageType string', proto);
t.define('v1alpha1.ProxyConfig', `
  configPath string
  binaryPath string
  serviceCluster string
  drainDuration *durationpb.Duration
  parentShutdownDuration *durationpb.Duration
  discoveryAddress string
  discoveryRefreshDelay *durationpb.Duration
  zipkinAddress string
  connectTimeout *durationpb.Duration
  statsdUdpAddress string
  envoyMetricsServiceAddress string
  proxyAdminPort int32
  availabilityZone string
  controlPlaneAuthPolicy v1alpha1.AuthenticationPolicy
  customConfigFile string
  statNameLength int32
  concurrency *wrapperspb.Int32Value
  proxyBootstrapTemplatePath string
  interceptionMode v1alpha1.ProxyConfig_InboundInterceptionMode
  tracing *v1alpha1.Tracing
  sds *v1alpha1.SDS
  envoyAccessLogService *v1alpha1.RemoteService
  envoyMetricsService *v1alpha1.RemoteService
  proxyMetadata map[string]string
  statusPort int32
  extraStatTags []string
  gatewayTopology *v1alpha1.Topology
  terminationDrainDuration *durationpb.Duration
  meshId string
  readinessProbe *v1alpha3.ReadinessProbe
  proxyStatsMatcher *v1alpha1.ProxyStatsMatcher
  holdApplicationUntilProxyStarts *wrapperspb.BoolValue
  caCertificatesPem []string
  image *v1beta1.ProxyImage
  privateKeyProvider *v1alpha1.PrivateKeyProvider
  proxyHeaders *v1alpha1.ProxyConfig_ProxyHeaders
  runtimeValues map[string]string
  fileFlushInterval *durationpb.Duration
  fileFlushMinSizeKb *wrapperspb.UInt32Value
`, proto);
t.define('v1alpha1.MeshConfig_OutboundTrafficPolicy', 'mode v1alpha1.MeshConfig_OutboundTrafficPolicy_Mode', proto);
t.define('v1alpha1.MeshConfig_InboundTrafficPolicy', 'mode v1alpha1.MeshConfig_InboundTrafficPolicy_Mode', proto);
t.define('v1alpha1.MeshConfig', `
  proxyListenPort int32
  proxyInboundListenPort int32
  proxyHttpPort int32
  connectTimeout *durationpb.Duration
  protocolDetectionTimeout *durationpb.Duration
  tcpKeepalive *v1alpha3.ConnectionPoolSettings_TCPSettings_TcpKeepalive
  ingressClass string
  ingressService string
  ingressControllerMode v1alpha1.MeshConfig_IngressControllerMode
  ingressSelector string
  enableTracing bool
  accessLogFile string
  accessLogFormat string
  accessLogEncoding v1alpha1.MeshConfig_AccessLogEncoding
  enableEnvoyAccessLogService bool
  disableEnvoyListenerLog bool
  defaultConfig *v1alpha1.ProxyConfig
  outboundTrafficPolicy *v1alpha1.MeshConfig_OutboundTrafficPolicy
  inboundTrafficPolicy *v1alpha1.MeshConfig_InboundTrafficPolicy
  configSources []*v1alpha1.ConfigSource
  enableAutoMtls *wrapperspb.BoolValue
  trustDomain string
  trustDomainAliases []string
  defaultServiceExportTo []string
  defaultVirtualServiceExportTo []string
  defaultDestinationRuleExportTo []string
  rootNamespace string
  localityLbSetting *v1alpha3.LocalityLoadBalancerSetting
  dnsRefreshRate *durationpb.Duration
  h2UpgradePolicy v1alpha1.MeshConfig_H2UpgradePolicy
  inboundClusterStatName string
  outboundClusterStatName string
  certificates []*v1alpha1.Certificate
  serviceSettings []*v1alpha1.MeshConfig_ServiceSettings
  enablePrometheusMerge *wrapperspb.BoolValue
  verifyCertificateAtClient *wrapperspb.BoolValue
  ca *v1alpha1.MeshConfig_CA
  extensionProviders []*v1alpha1.MeshConfig_ExtensionProvider
  defaultProviders *v1alpha1.MeshConfig_DefaultProviders
  discoverySelectors []*v1.LabelSelectorProto
  pathNormalization *v1alpha1.MeshConfig_ProxyPathNormalization
  defaultHttpRetryPolicy *v1alpha3.HTTPRetry
  meshMTLS *v1alpha1.MeshConfig_TLSConfig
  tlsDefaults *v1alpha1.MeshConfig_TLSConfig
  serviceScopeConfigs []*v1alpha1.MeshConfig_ServiceScopeConfigs
`, proto);

export const SIDECAR_TEMPLATE_DATA = t.define('inject.SidecarTemplateData', `
  typeMeta v1.TypeMeta
  deploymentMeta types.NamespacedName
  objectMeta v1.ObjectMeta
  spec v1.PodSpec
  proxyConfig *v1alpha1.ProxyConfig
  meshConfig *v1alpha1.MeshConfig
  values map[string]any
  revision string
  nativeSidecars bool
  proxyImage string
  proxyInitImage string
  inboundTrafficPolicyMode string
  compliancePolicy string
  proxyUID int64
  proxyGID int64
`);

/** The JSON-shaped inputs of Istio's SidecarTemplateData (protojson for ProxyConfig/MeshConfig). */
export interface SidecarTemplateInput {
  readonly typeMeta?: { readonly kind?: string; readonly apiVersion?: string };
  readonly deploymentMeta?: { readonly name?: string; readonly namespace?: string };
  /** Pod metadata (after stripping a previous injection). */
  readonly objectMeta?: Readonly<Record<string, unknown>>;
  /** Pod spec (after stripping a previous injection). */
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly proxyConfig?: Readonly<Record<string, unknown>>;
  readonly meshConfig?: Readonly<Record<string, unknown>>;
  readonly values?: Readonly<Record<string, unknown>>;
  readonly revision?: string;
  readonly nativeSidecars?: boolean;
  readonly proxyImage?: string;
  readonly proxyInitImage?: string;
  readonly inboundTrafficPolicyMode?: string;
  readonly compliancePolicy?: string;
  readonly proxyUID?: number;
  readonly proxyGID?: number;
}

/** The template data value (dot) for Istio's injection templates. */
export function sidecarTemplateData(input: SidecarTemplateInput): GoStruct {
  return new GoStruct(SIDECAR_TEMPLATE_DATA, input as Record<string, unknown>, false);
}
