import { describe, expect, it } from 'vitest';
import { deploymentMetaFromPod } from './owner.js';
import type { ObjectMeta } from './pod.js';

const owner = (kind: string, name: string, apiVersion = 'apps/v1') => [{ apiVersion, kind, name, uid: 'u', controller: true }];

describe('deploymentMetaFromPod', () => {
  it.each([
    { name: 'plain pod', meta: { name: 'p', namespace: 'ns' }, expected: ['p', 'ns', 'v1', 'Pod'] },
    { name: 'owner ignored without generateName', meta: { name: 'p', ownerReferences: owner('ReplicaSet', 'web-abc') }, expected: ['p', '', 'v1', 'Pod'] },
    {
      name: 'ReplicaSet with pod-template-hash means its Deployment',
      meta: { generateName: 'web-abc-', labels: { 'pod-template-hash': 'abc' }, ownerReferences: owner('ReplicaSet', 'web-abc') },
      expected: ['web', '', 'apps/v1', 'Deployment'],
    },
    {
      name: 'ReplicaSet without the hash label stays a ReplicaSet',
      meta: { generateName: 'rs-', ownerReferences: owner('ReplicaSet', 'rs') },
      expected: ['rs', '', 'apps/v1', 'ReplicaSet'],
    },
    {
      name: 'Job named <cronjob>-<timestamp> means its CronJob',
      meta: { generateName: 'backup-28471230-', ownerReferences: owner('Job', 'backup-28471230', 'batch/v1') },
      expected: ['backup', '', 'batch/v1', 'CronJob'],
    },
    {
      name: 'RC with a deploymentconfig label means the DeploymentConfig',
      meta: { generateName: 'x-1-', labels: { deploymentconfig: 'frontend' }, ownerReferences: owner('ReplicationController', 'frontend-1', 'v1') },
      expected: ['frontend', '', 'v1', 'DeploymentConfig'],
    },
    {
      name: 'only the controller reference counts',
      meta: { name: 'p', generateName: 'g-', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u' }] },
      expected: ['p', '', 'v1', 'Pod'],
    },
  ])('$name', ({ meta, expected }) => {
    const { deploymentMeta, typeMeta } = deploymentMetaFromPod({ metadata: meta as ObjectMeta });
    expect([deploymentMeta.name, deploymentMeta.namespace, typeMeta.apiVersion, typeMeta.kind]).toEqual(expected);
  });
});
