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
    replicas: '*i32', selector: '*LabelSelector', template: 'PodTemplateSpec', strategy: 'DeploymentStrategy',
    minReadySeconds: 'i32', revisionHistoryLimit: '*i32', paused: 'bool', progressDeadlineSeconds: '*i32',
  },
  DeploymentStrategy: { type: 'str', rollingUpdate: '*any' },
  DeploymentStatus: {
    observedGeneration: 'int', replicas: 'i32', updatedReplicas: 'i32', readyReplicas: 'i32',
    availableReplicas: 'i32', unavailableReplicas: 'i32', terminatingReplicas: '*i32', conditions: '[any]',
    collisionCount: '*i32',
  },
  DaemonSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'DaemonSetSpec', status: 'DaemonSetStatus' },
  DaemonSetSpec: {
    selector: '*LabelSelector', template: 'PodTemplateSpec', updateStrategy: 'UpdateStrategy',
    minReadySeconds: 'i32', revisionHistoryLimit: '*i32',
  },
  UpdateStrategy: { type: 'str', rollingUpdate: '*any' },
  DaemonSetStatus: {
    currentNumberScheduled: 'i32!', numberMisscheduled: 'i32!', desiredNumberScheduled: 'i32!', numberReady: 'i32!',
    observedGeneration: 'int', updatedNumberScheduled: 'i32', numberAvailable: 'i32', numberUnavailable: 'i32',
    collisionCount: '*i32', conditions: '[any]',
  },
  ReplicaSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'ReplicaSetSpec', status: 'ReplicaSetStatus' },
  ReplicaSetSpec: { replicas: '*i32', minReadySeconds: 'i32', selector: '*LabelSelector', template: 'PodTemplateSpec' },
  ReplicaSetStatus: {
    replicas: 'i32!', fullyLabeledReplicas: 'i32', readyReplicas: 'i32', availableReplicas: 'i32',
    terminatingReplicas: '*i32', observedGeneration: 'int', conditions: '[any]',
  },
  StatefulSet: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'StatefulSetSpec', status: 'StatefulSetStatus' },
  StatefulSetSpec: {
    replicas: '*i32', selector: '*LabelSelector', template: 'PodTemplateSpec',
    volumeClaimTemplates: '[PersistentVolumeClaim]', serviceName: 'str!', podManagementPolicy: 'str',
    updateStrategy: 'UpdateStrategy', revisionHistoryLimit: '*i32', minReadySeconds: 'i32',
    persistentVolumeClaimRetentionPolicy: '*any', ordinals: '*any',
  },
  StatefulSetStatus: {
    observedGeneration: 'int', replicas: 'i32!', readyReplicas: 'i32', currentReplicas: 'i32',
    updatedReplicas: 'i32', currentRevision: 'str', updateRevision: 'str', collisionCount: '*i32',
    conditions: '[any]', availableReplicas: 'i32!',
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
    parallelism: '*i32', completions: '*i32', activeDeadlineSeconds: '*int', podFailurePolicy: '*any',
    successPolicy: '*any', backoffLimit: '*i32', backoffLimitPerIndex: '*i32', maxFailedIndexes: '*i32',
    selector: '*LabelSelector', manualSelector: '*bool', template: 'PodTemplateSpec',
    ttlSecondsAfterFinished: '*i32', completionMode: '*str', suspend: '*bool', podReplacementPolicy: '*str',
    managedBy: '*str',
  },
  JobStatus: {
    conditions: '[any]', startTime: '*any', completionTime: '*any', active: 'i32', succeeded: 'i32',
    failed: 'i32', terminating: '*i32', completedIndexes: 'str', failedIndexes: '*str',
    uncountedTerminatedPods: '*any', ready: '*i32',
  },
  CronJob: { apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'CronJobSpec', status: 'CronJobStatus' },
  CronJobSpec: {
    schedule: 'str!', timeZone: '*str', startingDeadlineSeconds: '*int', concurrencyPolicy: 'str',
    suspend: '*bool', jobTemplate: 'JobTemplateSpec', successfulJobsHistoryLimit: '*i32',
    failedJobsHistoryLimit: '*i32',
  },
  JobTemplateSpec: { metadata: 'ObjectMeta', spec: 'JobSpec' },
  CronJobStatus: { active: '[any]', lastScheduleTime: '*any', lastSuccessfulTime: '*any' },
  ReplicationController: {
    apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'ReplicationControllerSpec',
    status: 'ReplicationControllerStatus',
  },
  ReplicationControllerSpec: { replicas: '*i32', minReadySeconds: 'i32', selector: '{str}', template: '*PodTemplateSpec' },
  ReplicationControllerStatus: {
    replicas: 'i32!', fullyLabeledReplicas: 'i32', readyReplicas: 'i32', availableReplicas: 'i32',
    observedGeneration: 'int', conditions: '[any]',
  },
  DeploymentConfig: {
    apiVersion: 'str', kind: 'str', metadata: 'ObjectMeta', spec: 'DeploymentConfigSpec',
    status: 'DeploymentConfigStatus',
  },
  DeploymentConfigSpec: {
    strategy: 'DeploymentConfigStrategy', minReadySeconds: 'i32', triggers: '[any]!', replicas: 'i32!',
    revisionHistoryLimit: '*i32', test: 'bool!', paused: 'bool', selector: '{str}', template: '*PodTemplateSpec',
  },
  DeploymentConfigStrategy: {
    type: 'str', customParams: '*any', recreateParams: '*any', rollingParams: '*any',
    resources: 'ResourceRequirements', labels: '{str}', annotations: '{str}', activeDeadlineSeconds: '*int',
  },
  DeploymentConfigStatus: {
    latestVersion: 'int!', observedGeneration: 'int!', replicas: 'i32!', updatedReplicas: 'i32!',
    availableReplicas: 'i32!', unavailableReplicas: 'i32!', details: '*any', conditions: '[any]',
    readyReplicas: 'i32',
  },
  List: { apiVersion: 'str', kind: 'str', metadata: 'ListMeta', items: '[any]!' },
});
