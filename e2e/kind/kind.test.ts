/**
 * The user journey (e2e/scenario/journey.ts) on kind: needs Docker and kind, and SK_E2E_KIND=1
 * (`npm run e2e:kind` sets it); skips with the reason otherwise. A fresh two-node cluster, the
 * images built with `docker build` and loaded into the nodes.
 */
import { describeJourney } from '../scenario/journey.js';
import { KindCluster } from './cluster.js';

describeJourney(new KindCluster());
