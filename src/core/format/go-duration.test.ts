import { describe, expect, it } from 'vitest';
import { formatProtoDuration, parseGoDurationNanos } from './go-duration.js';

// Go's time.ParseDuration and protojson's Duration text; the proxy-config rows were checked
// against Istio's webhook (oracle/), which reads ProxyConfig durations this way.
describe('parseGoDurationNanos / formatProtoDuration (time.ParseDuration, protojson)', () => {
  it.each([
    ['45s', '45s'], ['1m', '60s'], ['1h', '3600s'], ['1h2m3.5s', '3723.500s'], ['1.5s', '1.500s'], ['-2s', '-2s'], ['+.5h', '1800s'],
    ['0', '0s'], ['-0', '0s'], ['1µs', '0.000001s'], ['1μs', '0.000001s'], ['3us', '0.000003s'], ['1.0000000005s', '1s'], ['1.0005s', '1.000500s'],
    ['2ms', '0.002s'], ['1ns', '0.000000001s'], ['1.s', '1s'], ['.5m', '30s'], ['2562047h47m16.854775807s', '9223372036.854775807s'],
  ])('%s is %s', (text, proto) => {
    expect(formatProtoDuration(parseGoDurationNanos(text))).toBe(proto);
  });

  it.each([
    ['1x', 'time: unknown unit "x" in duration "1x"'], ['5', 'time: missing unit in duration "5"'], ['', 'time: invalid duration ""'],
    ['.', 'time: invalid duration "."'], ['s', 'time: invalid duration "s"'], ['-', 'time: invalid duration "-"'], ['1h-2m', 'time: unknown unit "h-" in duration "1h-2m"'],
    ['2562047h47m16.854775808s', 'time: invalid duration "2562047h47m16.854775808s"'], ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
  ])('%j fails: %s', (text, message) => {
    expect(() => parseGoDurationNanos(text)).toThrow(message);
  });

  it('the most negative duration is valid', () => {
    expect(parseGoDurationNanos('-2562047h47m16.854775808s')).toBe(-(2n ** 63n));
  });
});
