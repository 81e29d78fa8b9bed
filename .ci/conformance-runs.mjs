// The conformance runs CI performs. Each entry: label, runner script (relative to
// ../shared/conformance), its arguments, and the suite name its PASS lines belong to
// (`suiteFromHeaders` when the runner prints "# <suite>" headers itself).
export const runs = [
  { label: 'kube-inject', script: 'run-inject.mjs', suite: 'inject', args: () => [] },
  { label: 'capture', script: 'run-capture.mjs', suite: 'capture', suiteFromHeaders: true, args: () => ['all'] },
];
