/**
 * The CI gate: whether a check result should fail the build, and why, as plain data so that
 * every reporter can show the same reasons the exit status is based on. Pure: the CLI maps
 * `status` to the process exit code and prints `reasons` on stderr.
 */
import type { CheckResult } from '../result/result.js';

/** Ordered from least to most strict: each level also fails on everything the previous ones do. */
export const FAIL_ON = ['error', 'warning', 'incomplete'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface GateOptions {
  failOn: FailOn;
  /** Fewer real servers than this receiving flows fails the gate (a pool that is not balancing). */
  expectRs?: number;
  /** Fewer VIP flows than this fails the gate (traffic that never reached the VIP). */
  minFlows?: number;
}

export interface GateResult {
  status: 0 | 1;
  /** One line each, no trailing period, in a stable order: findings, incomplete, coverage. */
  reasons: string[];
}

export const DEFAULT_GATE: GateOptions = { failOn: 'error' };

/** The gate of a plain `check` (errors only): its verdict is the report's own, so nothing extra is said. */
export function isDefaultGate(g: GateOptions): boolean {
  return g.failOn === DEFAULT_GATE.failOn && g.minFlows === undefined && g.expectRs === undefined;
}

/** Whether a finding of this severity fails the gate at this level (info never does). */
export function failsGate(severity: string, failOn: FailOn): boolean {
  if (severity === 'error') return true;
  if (severity === 'warning') return failOn !== 'error';
  return false;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Real servers seen receiving at least one flow. Taken from the topology's per-RS flow counts,
 * which is what every report shows as "flows per RS", so the gate and the report agree.
 */
export function realServersWithFlows(result: CheckResult): number {
  return result.topology.realServers.filter((r) => r.flows > 0).length;
}

export function gate(result: CheckResult, options: GateOptions): GateResult {
  const reasons: string[] = [];
  const sev = result.summary.findingsBySeverity;
  if (sev.error > 0) reasons.push(`${count(sev.error, 'error finding')} (--fail-on ${options.failOn})`);
  if (options.failOn !== 'error' && sev.warning > 0) reasons.push(`${count(sev.warning, 'warning finding')} (--fail-on ${options.failOn})`);
  const incomplete = result.summary.flowsByVerdict.incomplete;
  if (options.failOn === 'incomplete' && incomplete > 0) reasons.push(`${count(incomplete, 'incomplete flow')} (--fail-on incomplete)`);
  // The summary's count: `flows` may leave out passing flows of a very big capture.
  const flows = result.summary.flows;
  if (options.minFlows !== undefined && flows < options.minFlows) {
    reasons.push(`${count(flows, 'VIP flow')} in the capture, expected at least ${options.minFlows} (--min-flows)`);
  }
  if (options.expectRs !== undefined) {
    const seen = realServersWithFlows(result);
    if (seen < options.expectRs) {
      reasons.push(`${count(seen, 'real server')} received flows, expected at least ${options.expectRs} (--expect-rs)`);
    }
  }
  return { status: reasons.length > 0 ? 1 : 0, reasons };
}
