/**
 * The workload kinds kube-inject recognises (§h.3), in Go declaration order: apps/v1,
 * batch/v1, core/v1 ReplicationController and List, and OpenShift's apps.openshift.io/v1
 * DeploymentConfig. Status structs list the fields Go always emits (no omitempty).
 */
import { defineStructs } from './schema.js';
import './structs-pod.js';

defineStructs({
  Deployment: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'DeploymentSpec', status: 'DeploymentStatus' },
  DeploymentSpec: {
    replicas: '*int', selector: '*LabelSelector', template: 'PodTemplateSpec', strategy: 'DeploymentStrategy',
    minReadySeconds: 'int', revisionHistoryLimit: '*int', paused: 'bool', progressDeadlineSeconds: '*int',
  },
  DeploymentStrategy: { type: 'str', rollingUpdate: '*any' },
  DeploymentStatus: {
    observedGeneration: 'int', replicas: 'int', updatedReplicas: 'int', readyReplicas: 'int',
    availableReplicas: 'int', unavailableReplicas: 'int', terminatingReplicas: '*int', conditions: '[any]',
    collisionCount: '*int',
  },
  DaemonSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'DaemonSetSpec', status: 'DaemonSetStatus' },
  DaemonSetSpec: {
    selector: '*LabelSelector', template: 'PodTemplateSpec', updateStrategy: 'UpdateStrategy',
    minReadySeconds: 'int', revisionHistoryLimit: '*int',
  },
  UpdateStrategy: { type: 'str', rollingUpdate: '*any' },
  DaemonSetStatus: {
    currentNumberScheduled: 'int!', numberMisscheduled: 'int!', desiredNumberScheduled: 'int!', numberReady: 'int!',
    observedGeneration: 'int', updatedNumberScheduled: 'int', numberAvailable: 'int', numberUnavailable: 'int',
    collisionCount: '*int', conditions: '[any]',
  },
  ReplicaSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'ReplicaSetSpec', status: 'ReplicaSetStatus' },
  ReplicaSetSpec: { replicas: '*int', minReadySeconds: 'int', selector: '*LabelSelector', template: 'PodTemplateSpec' },
  ReplicaSetStatus: {
    replicas: 'int!', fullyLabeledReplicas: 'int', readyReplicas: 'int', availableReplicas: 'int',
    terminatingReplicas: '*int', observedGeneration: 'int', conditions: '[any]',
  },
  StatefulSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'StatefulSetSpec', status: 'StatefulSetStatus' },
  StatefulSetSpec: {
    replicas: '*int', selector: '*LabelSelector', template: 'PodTemplateSpec',
    volumeClaimTemplates: '[PersistentVolumeClaim]', serviceName: 'str', podManagementPolicy: 'str',
    updateStrategy: 'UpdateStrategy', revisionHistoryLimit: '*int', minReadySeconds: 'int',
    persistentVolumeClaimRetentionPolicy: '*any', ordinals: '*any',
  },
  StatefulSetStatus: {
    observedGeneration: 'int', replicas: 'int!', readyReplicas: 'int', currentReplicas: 'int',
    updatedReplicas: 'int', currentRevision: 'str', updateRevision: 'str', collisionCount: '*int',
    conditions: '[any]', availableReplicas: 'int!',
  },
  PersistentVolumeClaim: {
    apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'PersistentVolumeClaimSpec',
    status: 'PersistentVolumeClaimStatus',
  },
  PersistentVolumeClaimSpec: {
    accessModes: '[str]', selector: '*LabelSelector', resources: 'VolumeResourceRequirements', volumeName: 'str',
    storageClassName: '*str', volumeMode: '*str', dataSource: '*any', dataSourceRef: '*any',
    volumeAttributesClassName: '*str',
  },
  VolumeResourceRequirements: { limits: '{qty}', requests: '{qty}' },
  PersistentVolumeClaimStatus: {
    phase: 'str', accessModes: '[str]', capacity: '{qty}', conditions: '[any]', allocatedResources: '{qty}',
    allocatedResourceStatuses: '{str}', currentVolumeAttributesClassName: '*str', modifyVolumeStatus: '*any',
  },
  Job: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'JobSpec', status: 'JobStatus' },
  JobSpec: {
    parallelism: '*int', completions: '*int', activeDeadlineSeconds: '*int', podFailurePolicy: '*any',
    successPolicy: '*any', backoffLimit: '*int', backoffLimitPerIndex: '*int', maxFailedIndexes: '*int',
    selector: '*LabelSelector', manualSelector: '*bool', template: 'PodTemplateSpec',
    ttlSecondsAfterFinished: '*int', completionMode: '*str', suspend: '*bool', podReplacementPolicy: '*str',
    managedBy: '*str',
  },
  JobStatus: {
    conditions: '[any]', startTime: '*any', completionTime: '*any', active: 'int', succeeded: 'int',
    failed: 'int', terminating: '*int', completedIndexes: 'str', failedIndexes: '*str',
    uncountedTerminatedPods: '*any', ready: '*int',
  },
  CronJob: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'CronJobSpec', status: 'CronJobStatus' },
  CronJobSpec: {
    schedule: 'str!', timeZone: '*str', startingDeadlineSeconds: '*int', concurrencyPolicy: 'str',
    suspend: '*bool', jobTemplate: 'JobTemplateSpec', successfulJobsHistoryLimit: '*int',
    failedJobsHistoryLimit: '*int',
  },
  JobTemplateSpec: { metadata: 'ObjectMeta', spec: 'JobSpec' },
  CronJobStatus: { active: '[any]', lastScheduleTime: '*any', lastSuccessfulTime: '*any' },
  ReplicationController: {
    apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'ReplicationControllerSpec',
    status: 'ReplicationControllerStatus',
  },
  ReplicationControllerSpec: { replicas: '*int', minReadySeconds: 'int', selector: '{str}', template: '*PodTemplateSpec' },
  ReplicationControllerStatus: {
    replicas: 'int!', fullyLabeledReplicas: 'int', readyReplicas: 'int', availableReplicas: 'int',
    observedGeneration: 'int', conditions: '[any]',
  },
  DeploymentConfig: {
    apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'DeploymentConfigSpec',
    status: 'DeploymentConfigStatus',
  },
  DeploymentConfigSpec: {
    strategy: 'DeploymentConfigStrategy', minReadySeconds: 'int', triggers: '[any]!', replicas: 'int!',
    revisionHistoryLimit: '*int', test: 'bool!', paused: 'bool', selector: '{str}', template: '*PodTemplateSpec',
  },
  DeploymentConfigStrategy: {
    type: 'str', customParams: '*any', recreateParams: '*any', rollingParams: '*any',
    resources: 'ResourceRequirements', labels: '{str}', annotations: '{str}', activeDeadlineSeconds: '*int',
  },
  DeploymentConfigStatus: {
    latestVersion: 'int!', observedGeneration: 'int!', replicas: 'int!', updatedReplicas: 'int!',
    availableReplicas: 'int!', unavailableReplicas: 'int!', details: '*any', conditions: '[any]',
    readyReplicas: 'int',
  },
  List: { apiVersion: 'str', kind: 'str', metadata: 'ListMeta', items: '[any]!' },
});
