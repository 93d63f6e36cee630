// How the explorer writes numbers and sizes for people: counts with the locale's grouping,
// sizes in powers of 1000.
// Must not: touch the DOM.

/** The largest size Spark reports when it cannot tell a result's size (2^63 and above). */
const UNKNOWN_SIZE = 2 ** 63;

/** A size as people read it (powers of 1000), or that Spark cannot tell it. */
export function bytes(n: number): string {
  if (n >= UNKNOWN_SIZE) {
    return 'an unknown size';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let unit = 0;
  while (n >= 1000 && unit + 1 < units.length) {
    n /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(1)} ${units[unit]}`;
}

/** A count of rows with the locale's grouping (`1,234,567` in English). */
export function count(n: number, locale?: string): string {
  return n.toLocaleString(locale);
}
