/**
 * sidecar-kit entry point. Each subcommand lives in its own module and is imported only when
 * it is the one being run, so a CLI process pays the start-up cost of its own command alone.
 */
import { runCli } from './dispatch.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
