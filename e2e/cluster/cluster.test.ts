/**
 * The user journey (e2e/scenario/journey.ts) on the local single-node cluster: Kubernetes built
 * from its Go modules, containerd v2, runc, Debian's CNI plugins, all real (see
 * e2e/cluster/local-cluster.ts). Needs root and the tools clusterSkipReason names; builds the
 * programs on first use (tens of minutes on a cold Go cache, see docs/e2e.md). Reuses a cluster
 * `npm run cluster:up` left running (and leaves it up); else starts one and takes it down.
 */
import { describeJourney } from '../scenario/journey.js';
import { LocalClusterProvider } from './provider.js';

describeJourney(new LocalClusterProvider());
