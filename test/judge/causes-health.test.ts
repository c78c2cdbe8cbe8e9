/**
 * Where rs-health's finding goes among the causes, on lab captures whose events are known
 * (fixtures/ipvs/README.md, fixtures/README.md): under the cause that explains it when its
 * real server's retransmissions are that cause's consequence, a cause of its own when the
 * server is the one sick.
 */
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult } from '../../src/result/result.js';

async function causeOfHealth(path: string): Promise<{ result: CheckResult; cause: CheckResult['causes'][number] }> {
  const result = await checkCaptures([path]);
  const health = result.findings.findIndex((f) => f.rule === 'rs-health');
  expect(health, 'the capture has an rs-health finding').toBeGreaterThanOrEqual(0);
  const cause = result.causes.find((c) => c.findings.includes(health));
  expect(cause).toBeDefined();
  return { result, cause: cause! };
}

describe('rs-health among the causes', () => {
  it('a real server removed with downloads open: its retransmissions go under the stopped connections, whose fix alone stands', async () => {
    // ipvsadm -d of RS2 (192.168.188.110) with three downloads open: it sends again what the director no longer acknowledges.
    const { result, cause } = await causeOfHealth('fixtures/ipvs/ipvs-rs-removed/bridge.pcap');
    expect(cause.id).toBe('director-drops');
    expect(result.causes).toHaveLength(1);
    expect(cause.remediation.map((r) => r.id)).toEqual(['expire-nodest-conn']);
    expect(cause.headline).toMatch(/stops forwarding 3 connections/);
  });

  it('a real server without the VIP: the SYNs sent to it again go under its silence', async () => {
    const { result, cause } = await causeOfHealth('fixtures/vip-missing-on-rs/bridge.pcap');
    expect(cause.id).toBe('rs-silent');
    expect(result.causes).toHaveLength(1);
    // The headline counts the silent flows, not the health finding.
    expect(cause.headline).toMatch(/never answers what the director forwards to it \(6 flows\)/);
    expect(cause.remediation.map((r) => r.id)).not.toContain('rs-health-look');
  });

  it('a lossy real server (netem loss 10%) with one connection the director stopped: a cause of its own, with where to look on it', async () => {
    const { result, cause } = await causeOfHealth('fixtures/ipvs/ipvs-rs-lossy/bridge.pcap');
    expect(cause.id).toBe('rs-health');
    expect(result.causes.map((c) => c.id).sort()).toEqual(['director-drops', 'rs-health']);
    expect(cause.remediation.map((r) => [r.id, r.host.role, r.host.ip])).toEqual([['rs-health-look', 'real-server', '192.168.188.107']]);
  });
});
