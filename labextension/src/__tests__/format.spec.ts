// Numbers and sizes as the view writes them.

import { bytes, count } from '../format';

describe('format', () => {
  it('writes sizes in powers of 1000, and says when Spark cannot tell', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(999)).toBe('999 B');
    expect(bytes(1000)).toBe('1.0 kB');
    expect(bytes(268_435_456)).toBe('268.4 MB');
    expect(bytes(4.2e12)).toBe('4.2 TB');
    expect(bytes(2 ** 64 - 1)).toBe('an unknown size');
  });

  it('groups counts as the locale does', () => {
    expect(count(1_000_000_000, 'en-US')).toBe('1,000,000,000');
    expect(count(1234, 'de-DE')).toBe('1.234');
    expect(count(7, 'en-US')).toBe('7');
  });
});
