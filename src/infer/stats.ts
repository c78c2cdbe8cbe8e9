/**
 * Pearson's chi-square goodness-of-fit test, for judging a share of connections against the
 * configured weights when the capture may not see every new connection (a client or RS
 * capture, several directors): a share is only called wrong when chance would explain it in
 * fewer than 1 of 1,000 cases.
 */

/** Upper 99.9% critical values of chi-square for 1..10 degrees of freedom. */
const CRITICAL_999 = [10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588];

export const CONFIDENCE = 0.999;
/** Below this many connections, or an expected count under 5 for some RS, the test says nothing. */
export const MIN_CONNECTIONS = 30;
export const MIN_EXPECTED = 5;

export interface ChiSquare {
  statistic: number;
  degreesOfFreedom: number;
  critical: number;
  /** True when the observed counts are incompatible with the expected shares at 99.9%. */
  rejects: boolean;
}

export function criticalValue999(df: number): number {
  const tabled = CRITICAL_999[df - 1];
  if (tabled !== undefined) return tabled;
  // Wilson-Hilferty: chi2_p(df) ~ df (1 - 2/(9df) + z_p sqrt(2/(9df)))^3, z_0.999 = 3.0902.
  const a = 2 / (9 * df);
  return df * (1 - a + 3.0902 * Math.sqrt(a)) ** 3;
}

/** null when the test cannot say anything (too few connections, or a tiny expected count). */
export function chiSquare(observed: readonly number[], shares: readonly number[]): ChiSquare | null {
  const total = observed.reduce((n, x) => n + x, 0);
  if (total < MIN_CONNECTIONS || observed.length < 2) return null;
  let statistic = 0;
  let df = -1;
  for (let i = 0; i < observed.length; i++) {
    const expected = total * (shares[i] ?? 0);
    if (expected === 0) {
      if ((observed[i] ?? 0) > 0) return { statistic: Infinity, degreesOfFreedom: Math.max(1, df), critical: 0, rejects: true };
      continue;
    }
    if (expected < MIN_EXPECTED) return null;
    statistic += ((observed[i] ?? 0) - expected) ** 2 / expected;
    df++;
  }
  if (df < 1) return null;
  const critical = criticalValue999(df);
  return { statistic, degreesOfFreedom: df, critical, rejects: statistic > critical };
}
