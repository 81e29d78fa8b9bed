// Runs the admission worker from the TypeScript sources (tests, `tsx`): registers tsx in this
// thread, then loads src/webhook/admission-worker.ts. The built CLI starts its bundled worker
// (dist/commands/webhook-worker.js) directly instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
