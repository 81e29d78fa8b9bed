import { describe, expect, it } from 'vitest';
import { detectNativeSidecar, ISTIOD_ENV_DEFAULTS, parseIstiodEnvironment, proxyIds } from './environment.js';

describe('parseIstiodEnvironment (istiod env read once, one default each)', () => {
  it('takes istiod’s defaults when nothing is set', () => {
    expect(parseIstiodEnvironment({})).toEqual({ environment: { enableNativeSidecars: 'auto', compliancePolicy: '', platform: '' }, problems: [] });
    expect(ISTIOD_ENV_DEFAULTS.ENABLE_NATIVE_SIDECARS).toBe('auto');
  });

  it('passes the values through', () => {
    const r = parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: 'true', COMPLIANCE_POLICY: 'fips-140-3', PLATFORM: 'openshift', OTHER: 'x' });
    expect(r).toEqual({ environment: { enableNativeSidecars: 'true', compliancePolicy: 'fips-140-3', platform: 'openshift' }, problems: [] });
  });

  it('reads an unknown ENABLE_NATIVE_SIDECARS as false, as istiod does, and names it as a problem', () => {
    const r = parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: 'yes' });
    expect(r.environment.enableNativeSidecars).toBe('false');
    expect(r.problems).toEqual(['ENABLE_NATIVE_SIDECARS: "yes": expected auto, true or false']);
    expect(parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: 'True' }).problems).toHaveLength(1);
  });

  it('reads an empty ENABLE_NATIVE_SIDECARS as false without a problem (istiod: set but empty is not auto)', () => {
    expect(parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: '' })).toMatchObject({ environment: { enableNativeSidecars: 'false' }, problems: [] });
  });

  it('its result drives the core as the raw variables did', () => {
    const nodes = [{ name: 'n', kubeletVersion: 'v1.34.0' }];
    const pod = { spec: { containers: [] } };
    expect(detectNativeSidecar(parseIstiodEnvironment({}).environment, { nodes }, pod)).toBe(true);
    expect(detectNativeSidecar(parseIstiodEnvironment({ ENABLE_NATIVE_SIDECARS: '' }).environment, { nodes }, pod)).toBe(false);
    const ns = { 'openshift.io/sa.scc.uid-range': '1000/10', 'openshift.io/sa.scc.supplemental-groups': '2000/10' };
    expect(proxyIds(parseIstiodEnvironment({ PLATFORM: 'openshift' }).environment, { namespaceAnnotations: ns })).toEqual({ uid: 1009, gid: 2009 });
    expect(proxyIds(parseIstiodEnvironment({}).environment, { namespaceAnnotations: ns })).toEqual({ uid: 1337, gid: 1337 });
  });
});
