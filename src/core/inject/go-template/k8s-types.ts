/**
 * Go types of the Kubernetes objects templates see (k8s.io/api core/v1, apimachinery meta/v1),
 * in Go declaration order (encoding/json output order), with `omitempty` as in the Go tags.
 * Field lines: `jsonKey GoType [flags]` (see TypeRegistry.define). Structs nobody reads
 * field by field in templates are `open`: any exported name maps onto its JSON key.
 */
import { goTypes } from '../../template/types.js';

export { goTypes };
const t = goTypes;

// apimachinery special types.
t.define('resource.Quantity', '', { special: 'quantity' });
t.define('intstr.IntOrString', 'type int64 !\nintVal int32 !\nstrVal string !', { special: 'intstr' });
t.define('v1.Time', '', { special: 'time' });
for (const open of [
  'v1.ManagedFieldsEntry', 'v1.Affinity', 'v1.TopologySpreadConstraint', 'v1.PodSchedulingGate', 'v1.PodResourceClaim',
  'v1.EphemeralContainer', 'v1.ContainerResizePolicy', 'v1.VolumeDevice', 'v1.ResourceClaim', 'v1.WindowsSecurityContextOptions',
  'v1.PodDNSConfigOption', 'v1.PodStatus', 'v1.ContainerRestartRule', 'v1.FileKeySelector', 'v1.HostPathVolumeSource',
  'v1.GCEPersistentDiskVolumeSource', 'v1.AWSElasticBlockStoreVolumeSource', 'v1.GitRepoVolumeSource', 'v1.NFSVolumeSource',
  'v1.ISCSIVolumeSource', 'v1.GlusterfsVolumeSource', 'v1.PersistentVolumeClaimVolumeSource', 'v1.RBDVolumeSource',
  'v1.FlexVolumeSource', 'v1.CinderVolumeSource', 'v1.CephFSVolumeSource', 'v1.FlockerVolumeSource', 'v1.FCVolumeSource',
  'v1.AzureFileVolumeSource', 'v1.VsphereVirtualDiskVolumeSource', 'v1.QuobyteVolumeSource', 'v1.AzureDiskVolumeSource',
  'v1.PhotonPersistentDiskVolumeSource', 'v1.PortworxVolumeSource', 'v1.ScaleIOVolumeSource', 'v1.StorageOSVolumeSource',
  'v1.EphemeralVolumeSource', 'v1.ImageVolumeSource', 'v1.SecretProjection', 'v1.DownwardAPIProjection',
  'v1.ConfigMapProjection', 'v1.ClusterTrustBundleProjection', 'v1.PodCertificateProjection', 'v1.LabelSelector',
]) {
  t.define(open, '', { special: 'open' });
}

t.define('v1.TypeMeta', `
  kind string
  apiVersion string
`);
t.define('v1.OwnerReference', `
  apiVersion string !
  kind string !
  name string !
  uid string !
  controller *bool
  blockOwnerDeletion *bool
`);
t.define('v1.ObjectMeta', `
  name string
  generateName string
  namespace string
  selfLink string
  uid string
  resourceVersion string
  generation int64
  creationTimestamp v1.Time
  deletionTimestamp *v1.Time
  deletionGracePeriodSeconds *int64
  labels map[string]string
  annotations map[string]string
  ownerReferences []v1.OwnerReference
  finalizers []string
  managedFields []v1.ManagedFieldsEntry
`);
t.define('v1.LocalObjectReference', 'name string');
t.define('v1.ObjectFieldSelector', 'apiVersion string\nfieldPath string !');
t.define('v1.ResourceFieldSelector', 'containerName string\nresource string !\ndivisor resource.Quantity');
t.define('v1.ConfigMapKeySelector', '- v1.LocalObjectReference inline\nkey string !\noptional *bool');
t.define('v1.SecretKeySelector', '- v1.LocalObjectReference inline\nkey string !\noptional *bool');
t.define('v1.EnvVarSource', `
  fieldRef *v1.ObjectFieldSelector
  resourceFieldRef *v1.ResourceFieldSelector
  configMapKeyRef *v1.ConfigMapKeySelector
  secretKeyRef *v1.SecretKeySelector
  fileKeyRef *v1.FileKeySelector
`);
t.define('v1.EnvVar', 'name string !\nvalue string\nvalueFrom *v1.EnvVarSource');
t.define('v1.ConfigMapEnvSource', '- v1.LocalObjectReference inline\noptional *bool');
t.define('v1.SecretEnvSource', '- v1.LocalObjectReference inline\noptional *bool');
t.define('v1.EnvFromSource', 'prefix string\nconfigMapRef *v1.ConfigMapEnvSource\nsecretRef *v1.SecretEnvSource');
t.define('v1.ContainerPort', `
  name string
  hostPort int32
  containerPort int32 !
  protocol string
  hostIP string
`);
t.define('v1.VolumeMount', `
  name string !
  readOnly bool
  recursiveReadOnly *string
  mountPath string !
  subPath string
  mountPropagation *string
  subPathExpr string
`);
t.define('v1.ResourceRequirements', `
  limits map[string]resource.Quantity
  requests map[string]resource.Quantity
  claims []v1.ResourceClaim
`);
t.define('v1.ExecAction', 'command []string');
t.define('v1.HTTPHeader', 'name string !\nvalue string !');
t.define('v1.HTTPGetAction', `
  path string
  port intstr.IntOrString !
  host string
  scheme string
  httpHeaders []v1.HTTPHeader
`);
t.define('v1.TCPSocketAction', 'port intstr.IntOrString !\nhost string');
t.define('v1.GRPCAction', 'port int32 !\nservice *string !');
t.define('v1.SleepAction', 'seconds int64 !');
t.define('v1.ProbeHandler', `
  exec *v1.ExecAction
  httpGet *v1.HTTPGetAction
  tcpSocket *v1.TCPSocketAction
  grpc *v1.GRPCAction
`);
t.define('v1.Probe', `
  - v1.ProbeHandler inline
  initialDelaySeconds int32
  timeoutSeconds int32
  periodSeconds int32
  successThreshold int32
  failureThreshold int32
  terminationGracePeriodSeconds *int64
`);
t.define('v1.LifecycleHandler', `
  exec *v1.ExecAction
  httpGet *v1.HTTPGetAction
  tcpSocket *v1.TCPSocketAction
  sleep *v1.SleepAction
`);
t.define('v1.Lifecycle', 'postStart *v1.LifecycleHandler\npreStop *v1.LifecycleHandler\nstopSignal *string');
t.define('v1.Capabilities', 'add []string\ndrop []string');
t.define('v1.SELinuxOptions', 'user string\nrole string\ntype string\nlevel string');
t.define('v1.SeccompProfile', 'type string !\nlocalhostProfile *string');
t.define('v1.AppArmorProfile', 'type string !\nlocalhostProfile *string');
t.define('v1.SecurityContext', `
  capabilities *v1.Capabilities
  privileged *bool
  seLinuxOptions *v1.SELinuxOptions
  windowsOptions *v1.WindowsSecurityContextOptions
  runAsUser *int64
  runAsGroup *int64
  runAsNonRoot *bool
  readOnlyRootFilesystem *bool
  allowPrivilegeEscalation *bool
  procMount *string
  seccompProfile *v1.SeccompProfile
  appArmorProfile *v1.AppArmorProfile
`);
t.define('v1.Sysctl', 'name string !\nvalue string !');
t.define('v1.PodSecurityContext', `
  seLinuxOptions *v1.SELinuxOptions
  windowsOptions *v1.WindowsSecurityContextOptions
  runAsUser *int64
  runAsGroup *int64
  runAsNonRoot *bool
  supplementalGroups []int64
  supplementalGroupsPolicy *string
  fsGroup *int64
  sysctls []v1.Sysctl
  fsGroupChangePolicy *string
  seccompProfile *v1.SeccompProfile
  appArmorProfile *v1.AppArmorProfile
  seLinuxChangePolicy *string
`);
t.define('v1.Container', `
  name string !
  image string
  command []string
  args []string
  workingDir string
  ports []v1.ContainerPort
  envFrom []v1.EnvFromSource
  env []v1.EnvVar
  resources v1.ResourceRequirements
  resizePolicy []v1.ContainerResizePolicy
  restartPolicy *string
  restartPolicyRules []v1.ContainerRestartRule
  volumeMounts []v1.VolumeMount
  volumeDevices []v1.VolumeDevice
  livenessProbe *v1.Probe
  readinessProbe *v1.Probe
  startupProbe *v1.Probe
  lifecycle *v1.Lifecycle
  terminationMessagePath string
  terminationMessagePolicy string
  imagePullPolicy string
  securityContext *v1.SecurityContext
  stdin bool
  stdinOnce bool
  tty bool
`);
t.define('v1.KeyToPath', 'key string !\npath string !\nmode *int32');
t.define('v1.EmptyDirVolumeSource', 'medium string\nsizeLimit *resource.Quantity');
t.define('v1.SecretVolumeSource', 'secretName string\nitems []v1.KeyToPath\ndefaultMode *int32\noptional *bool');
t.define('v1.ConfigMapVolumeSource', '- v1.LocalObjectReference inline\nitems []v1.KeyToPath\ndefaultMode *int32\noptional *bool');
t.define('v1.DownwardAPIVolumeFile', 'path string !\nfieldRef *v1.ObjectFieldSelector\nresourceFieldRef *v1.ResourceFieldSelector\nmode *int32');
t.define('v1.DownwardAPIVolumeSource', 'items []v1.DownwardAPIVolumeFile\ndefaultMode *int32');
t.define('v1.ServiceAccountTokenProjection', 'audience string\nexpirationSeconds *int64\npath string !');
t.define('v1.VolumeProjection', `
  secret *v1.SecretProjection
  downwardAPI *v1.DownwardAPIProjection
  configMap *v1.ConfigMapProjection
  serviceAccountToken *v1.ServiceAccountTokenProjection
  clusterTrustBundle *v1.ClusterTrustBundleProjection
  podCertificate *v1.PodCertificateProjection
`);
t.define('v1.ProjectedVolumeSource', 'sources []v1.VolumeProjection !\ndefaultMode *int32');
t.define('v1.CSIVolumeSource', `
  driver string !
  readOnly *bool
  fsType *string
  volumeAttributes map[string]string
  nodePublishSecretRef *v1.LocalObjectReference
`);
t.define('v1.VolumeSource', `
  hostPath *v1.HostPathVolumeSource
  emptyDir *v1.EmptyDirVolumeSource
  gcePersistentDisk *v1.GCEPersistentDiskVolumeSource
  awsElasticBlockStore *v1.AWSElasticBlockStoreVolumeSource
  gitRepo *v1.GitRepoVolumeSource
  secret *v1.SecretVolumeSource
  nfs *v1.NFSVolumeSource
  iscsi *v1.ISCSIVolumeSource
  glusterfs *v1.GlusterfsVolumeSource
  persistentVolumeClaim *v1.PersistentVolumeClaimVolumeSource
  rbd *v1.RBDVolumeSource
  flexVolume *v1.FlexVolumeSource
  cinder *v1.CinderVolumeSource
  cephfs *v1.CephFSVolumeSource =CephFS
  flocker *v1.FlockerVolumeSource
  downwardAPI *v1.DownwardAPIVolumeSource
  fc *v1.FCVolumeSource
  azureFile *v1.AzureFileVolumeSource
  configMap *v1.ConfigMapVolumeSource
  vsphereVolume *v1.VsphereVirtualDiskVolumeSource
  quobyte *v1.QuobyteVolumeSource
  azureDisk *v1.AzureDiskVolumeSource
  photonPersistentDisk *v1.PhotonPersistentDiskVolumeSource
  projected *v1.ProjectedVolumeSource
  portworxVolume *v1.PortworxVolumeSource
  scaleIO *v1.ScaleIOVolumeSource
  storageos *v1.StorageOSVolumeSource =StorageOS
  csi *v1.CSIVolumeSource
  ephemeral *v1.EphemeralVolumeSource
  image *v1.ImageVolumeSource
`);
t.define('v1.Volume', 'name string !\n- v1.VolumeSource inline');
t.define('v1.Toleration', 'key string\noperator string\nvalue string\neffect string\ntolerationSeconds *int64');
t.define('v1.HostAlias', 'ip string !\nhostnames []string');
t.define('v1.PodDNSConfig', 'nameservers []string\nsearches []string\noptions []v1.PodDNSConfigOption');
t.define('v1.PodReadinessGate', 'conditionType string !');
t.define('v1.PodOS', 'name string !');
t.define('v1.PodSpec', `
  volumes []v1.Volume
  initContainers []v1.Container
  containers []v1.Container !
  ephemeralContainers []v1.EphemeralContainer
  restartPolicy string
  terminationGracePeriodSeconds *int64
  activeDeadlineSeconds *int64
  dnsPolicy string
  nodeSelector map[string]string
  serviceAccountName string
  serviceAccount string =DeprecatedServiceAccount
  automountServiceAccountToken *bool
  nodeName string
  hostNetwork bool
  hostPID bool
  hostIPC bool
  shareProcessNamespace *bool
  securityContext *v1.PodSecurityContext
  imagePullSecrets []v1.LocalObjectReference
  hostname string
  subdomain string
  affinity *v1.Affinity
  schedulerName string
  tolerations []v1.Toleration
  hostAliases []v1.HostAlias
  priorityClassName string
  priority *int32
  dnsConfig *v1.PodDNSConfig
  readinessGates []v1.PodReadinessGate
  runtimeClassName *string
  enableServiceLinks *bool
  preemptionPolicy *string
  overhead map[string]resource.Quantity
  topologySpreadConstraints []v1.TopologySpreadConstraint
  setHostnameAsFQDN *bool
  os *v1.PodOS
  hostUsers *bool
  schedulingGates []v1.PodSchedulingGate
  resourceClaims []v1.PodResourceClaim
  resources *v1.ResourceRequirements
  hostnameOverride *string
`);
t.define('v1.Pod', `
  - v1.TypeMeta inline
  metadata v1.ObjectMeta ^ =ObjectMeta
  spec v1.PodSpec
  status v1.PodStatus
`);
t.define('types.NamespacedName', 'namespace string !\nname string !');
