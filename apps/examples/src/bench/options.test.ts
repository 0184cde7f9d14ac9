import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

describe('parseOptions: the latency phase', () => {
  it('defaults to 2,000 records/s for 10 s', () => {
    const options = parseOptions([])!;
    expect(options.rate).toBe(2_000);
    expect(options.latencyDurationMs).toBe(10_000);
  });

  it('takes --rate and --latency-seconds, 0 seconds skipping the phase', () => {
    expect(parseOptions(['--rate', '500', '--latency-seconds', '30'])).toMatchObject({ rate: 500, latencyDurationMs: 30_000 });
    expect(parseOptions(['--latency-seconds', '0'])!.latencyDurationMs).toBe(0);
  });

  it('names the option, the value and the range when it rejects one', () => {
    expect(() => parseOptions(['--rate', '0'])).toThrow("--rate must be an integer in [1, 1000000], got '0'");
    expect(() => parseOptions(['--rate', '1.5'])).toThrow(/--rate must be an integer/);
    expect(() => parseOptions(['--latency-seconds=-1'])).toThrow("--latency-seconds must be an integer in [0, 3600], got '-1'");
  });
});
