/**
 * Entry of the `sidecar-kit` single executable (a Node single-executable application built by
 * scripts/build-executable.mjs): the CLI as one file that needs no Node installed, like istioctl.
 *
 * It starts from a V8 start-up snapshot. While the snapshot is built, this module, the command
 * table and the code of the start-up-critical commands are evaluated, and kube-inject's stages
 * run once on built-in samples (src/kubeinject/warm-up.ts), so a run pays no parse/compile cost
 * for them and finds its lazily built schemas made. What touches the process (argv, env, stdio,
 * files) happens only in `main`, after the snapshot is restored: a snapshot must hold no open
 * handle and no process state. Without a snapshot (plain `node main.cjs`) it runs the same way.
 */
import { startFromSnapshot } from '../cli-kit/snapshot.js';
import { runCli } from './dispatch.js';
// Evaluated into the snapshot; the command table's loader finds the same module instances.
import '../kubeinject/command.js';
import { warmUpKubeInject } from '../kubeinject/warm-up.js';

function main(): void {
  // In a single executable argv[1] repeats the executable's path, as argv[1] is a script's.
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

startFromSnapshot(main, warmUpKubeInject);
