// Unit tests run with the normaliser's contract checks on (src/core/k8s/normalize.ts): a frozen
// input that is not deeply frozen, or an object modified after a session normalised it, throws.
import { setNormalizeContractChecks } from '../src/core/k8s/normalize.js';

setNormalizeContractChecks(true);
