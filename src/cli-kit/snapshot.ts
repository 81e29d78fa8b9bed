/**
 * The entry pattern of every single executable started from a V8 start-up snapshot (the CLI's
 * `sidecar-kit`, the CNI plugin `istio-cni`; scripts/sea.mjs builds them). While the snapshot is
 * built, `warmUp` runs (pure work only: no handle, no process state such as argv or env may be
 * left in the snapshot) and `main` is registered to run when the executable starts; run
 * without a snapshot (plain `node bundle.cjs`), `main` runs at once.
 */
import * as v8 from 'node:v8';

interface StartupSnapshot {
  isBuildingSnapshot(): boolean;
  setDeserializeMainFunction(fn: () => void): void;
}

export function startFromSnapshot(main: () => void, warmUp: () => void = () => undefined): void {
  const snapshot = (v8 as { startupSnapshot?: StartupSnapshot }).startupSnapshot;
  if (snapshot?.isBuildingSnapshot()) {
    warmUp();
    snapshot.setDeserializeMainFunction(main);
  } else main();
}
