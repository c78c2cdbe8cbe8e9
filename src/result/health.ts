/**
 * Handshake times kept as a histogram: a real server's handshakes over a day of watching are
 * millions of numbers, and its median and 90th percentile need only the buckets. The buckets
 * are log-linear on whole microseconds (exact below 8 µs, then 8 per power of two, so a value
 * is known within 12.5%), computed with integer operations alone so that the fixtures' oracle
 * (fixtures/lab/expect.py) puts every handshake in the same bucket.
 */

/** Buckets 0-7 hold 0-7 µs; then 8 per power of two up to 2^31 µs (35 minutes). */
export const HANDSHAKE_BUCKETS = 8 + 28 * 8;

/** The bucket of a handshake time in whole microseconds (0 .. 2^31 - 1). */
export function handshakeBucket(micros: number): number {
  if (micros < 8) return micros < 0 ? 0 : micros;
  const log2 = 31 - Math.clz32(micros);
  return 8 + (log2 - 3) * 8 + ((micros >>> (log2 - 3)) & 7);
}

/** The smallest time (µs) in bucket `i`. */
export function bucketLow(i: number): number {
  if (i < 8) return i;
  const log2 = 3 + ((i - 8) >> 3);
  return (8 + ((i - 8) & 7)) * 2 ** (log2 - 3);
}

/** The largest time (µs) in bucket `i`. */
export function bucketHigh(i: number): number {
  return i + 1 >= HANDSHAKE_BUCKETS ? 0x7fffffff : bucketLow(i + 1) - 1;
}

/**
 * The bucket holding the `q`-quantile (0 < q <= 1) of the times counted in `buckets`: the one
 * where the running count first reaches ceil(q * total). -1 for an empty histogram.
 */
export function quantileBucket(buckets: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < buckets.length; i++) total += buckets[i]!;
  if (total === 0) return -1;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return i;
  }
  return buckets.length - 1;
}

/** A bucket's time as shown: the middle of its range, in milliseconds. */
export function bucketMillis(i: number): number {
  return (bucketLow(i) + bucketHigh(i)) / 2 / 1000;
}

/**
 * Lower bound of a binomial proportion's confidence interval (Wilson score), `z` standard
 * deviations: the smallest retransmission rate that `k` of `n` segments sent again is
 * compatible with, so that a handful of segments proves nothing.
 */
export function wilsonLower(k: number, n: number, z: number): number {
  if (n <= 0) return 0;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}
