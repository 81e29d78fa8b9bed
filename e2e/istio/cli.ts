/**
 * `npm run istio:build`: builds Istio's pilot-discovery and pilot-agent from the pinned module and
 * the Envoy stand-in into the cache (what the e2e/istio suite does on first use); CI runs it as a
 * step of its own so the cold build's time shows on its own line. Prints the paths.
 */
import { istioModuleDir } from '../../scripts/istio-oracle.mjs';
import { istioBinaries } from './binaries.js';

const started = Date.now();
try {
  const bins = istioBinaries(istioModuleDir(), (l) => process.stderr.write(`istio: ${l}\n`));
  process.stderr.write(`istio: programs ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${JSON.stringify(bins, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
