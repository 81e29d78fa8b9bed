/**
 * Cross-check against Istio's kube-inject goldens (shared conformance kit, read in place, never
 * copied): every re-serialised workload document in a `.injected` file is go-yaml v2 output, so
 * parsing it and emitting it again must reproduce it byte for byte. Documents of other kinds are
 * passed through unchanged by kube-inject and are not go-yaml output, so they are skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitYaml } from './emit.js';
import { parseYamlDocument, splitYamlDocuments } from './parse.js';

const DATA = '/work/shared/conformance/inject/data';
const RESERIALISED = new Set([
  'Pod', 'ReplicationController', 'Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob', 'List',
  'DeploymentConfig',
]);

function goldenDocuments(): [string, string][] {
  if (!existsSync(DATA)) return [];
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

describe.skipIf(docs.length === 0)(`kube-inject goldens round-trip (${DATA})`, () => {
  it.each(docs)('%s', (_name, doc) => {
    expect(emitYaml(parseYamlDocument(doc))).toBe(doc);
  });
});

describe.skipIf(docs.length > 0)('kube-inject goldens round-trip', () => {
  it.skip(`skipped: the shared conformance data (${DATA}) is not on this machine`, () => {});
});
