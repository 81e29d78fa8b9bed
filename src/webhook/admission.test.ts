import { describe, expect, it } from 'vitest';
import { reviewJson, type AdmissionResponseBody } from './admission.js';

describe('reviewJson', () => {
  it.each<[string, AdmissionResponseBody['response']]>([
    ['with a patch', { uid: 'u"1', allowed: true, patch: Buffer.from('[{"op":"add"}]').toString('base64'), patchType: 'JSONPatch', warnings: ['"patch":"" in a warning'] }],
    ['without a patch', { uid: 'u2', allowed: true, warnings: ['skipped'] }],
    ['a rejection', { uid: 'u3', allowed: false, status: { message: 'bad "patch":""' } }],
  ])('%s equals JSON.stringify', (_n, response) => {
    const body: AdmissionResponseBody = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
    expect(reviewJson(body)).toBe(JSON.stringify(body));
  });
});
