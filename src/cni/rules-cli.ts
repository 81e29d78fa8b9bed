/**
 * `sidecar-kit cni-rules --pod FILE [--ipv6 true|false]`: the iptables-restore input the CNI
 * plugin would program for a pod, without touching any namespace (conformance contract
 * `cni-rules`). A skipped pod prints nothing; an invalid annotation exits 1 naming it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { buildRules } from '../core/capture/build.js';
import { renderIptables } from '../core/capture/iptables.js';
import { captureConfigFromRedirect } from '../core/cni/capture-settings.js';
import { parsePodView } from '../core/cni/pod-facts.js';
import { redirectFromPod } from '../core/cni/redirect.js';

const USAGE = 'usage: sidecar-kit cni-rules --pod FILE [--ipv6 true|false]\n';

export async function run(args: readonly string[]): Promise<number> {
  let values: { pod?: string; ipv6?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: { pod: { type: 'string' }, ipv6: { type: 'string', default: 'false' } } }));
  } catch (err) {
    process.stderr.write(`error: cni-rules: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.pod === undefined || !['true', 'false'].includes(values.ipv6 ?? '')) {
    process.stderr.write(`error: cni-rules: ${values.pod === undefined ? '--pod is required' : '--ipv6 must be true or false'}\n${USAGE}`);
    return 2;
  }
  try {
    const pod = parsePodView(parseYaml(readFileSync(values.pod, 'utf8')));
    const decision = redirectFromPod(pod);
    if (decision.kind === 'skip') {
      process.stderr.write(`pod skipped: ${decision.reason}\n`);
      return 0;
    }
    const ipv6 = values.ipv6 === 'true';
    const rules = buildRules(captureConfigFromRedirect(decision.redirect, { ipv6, nativeNftables: false }));
    process.stdout.write(renderIptables(rules, 'v4') + (ipv6 ? renderIptables(rules, 'v6') : ''));
    return 0;
  } catch (err) {
    process.stderr.write(`error: cni-rules: --pod ${values.pod}: ${(err as Error).message}\n`);
    return 1;
  }
}
