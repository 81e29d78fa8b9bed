/**
 * Cross-check against Istio's kube-inject goldens (pkg/kube/inject/testdata of the istio.io/istio
 * module pinned in oracle/go.mod, read in place from the Go module cache): every re-serialised workload document in a `.injected` file is go-yaml v2 output, so
 * parsing it and emitting it again must reproduce it byte for byte. Documents of other kinds are
 * passed through unchanged by kube-inject and are not go-yaml output, so they are skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitYaml } from './emit.js';
import { parseYamlDocument, splitYamlDocuments } from './parse.js';
import { istioModuleDir } from '../../../scripts/istio-oracle.mjs';

const DATA = join(istioModuleDir(), 'pkg', 'kube', 'inject', 'testdata', 'inject');
const RESERIALISED = new Set([
  'Pod', 'ReplicationController', 'Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob', 'List',
  'DeploymentConfig',
]);

function goldenDocuments(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of readdirSync(DATA).filter((f) => f.endsWith('.injected')).sort()) {
    splitYamlDocuments(readFileSync(join(DATA, file), 'utf8')).forEach((doc, i) => {
      const kind = (parseYamlDocument(doc) as { kind?: unknown } | null)?.kind;
      if (typeof kind === 'string' && RESERIALISED.has(kind)) out.push([`${file} #${i}`, doc]);
    });
  }
  return out;
}

const docs = goldenDocuments();

describe(`kube-inject goldens round-trip (${DATA})`, () => {
  it('finds the goldens', () => {
    expect(docs.length).toBeGreaterThan(100);
  });
  it.each(docs)('%s', (_name, doc) => {
    expect(emitYaml(parseYamlDocument(doc))).toBe(doc);
  });
});
