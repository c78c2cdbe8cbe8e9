// The copy matcher looks a frame up only when its source MAC is one that a remembered frame was
// addressed to (a copy is sent by the MAC its original went to), and stops filtering once it has
// seen more such MACs than it tracks. Both sides of that bound must still find every copy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { DIRECTOR, EtherType, IpProto, RS1, T0, VIP, drConversation, ethernet, frameAt, ipv4, tcp, toPcap, type TestFrame } from '../support/packets.js';

const GIVEN: GivenTopology = {
  services: [{ vip: VIP, port: 80, proto: 'tcp' }],
  directorMacs: [DIRECTOR.mac],
  realServers: [{ ip: RS1.ip, mac: RS1.mac }],
  sources: [],
};

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-prefilter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SYNs from one host to `n` others, each on its own MAC: request frames nobody copies. */
function synsToDistinctMacs(n: number): TestFrame[] {
  const frames: TestFrame[] = [];
  for (let i = 0; i < n; i++) {
    const mac = `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;
    const ip = ipv4({ src: '10.9.0.1', dst: `10.9.1.${i + 1}`, proto: IpProto.TCP, id: i, payload: tcp({ srcPort: 50000 + i, dstPort: 22, flags: 'S', seq: 1000 + i, ack: 0 }) });
    frames.push(frameAt(ethernet({ src: '02:00:00:00:00:01', dst: mac, etherType: EtherType.IPv4, payload: ip }), T0 - 1, i * 1000, `decoy SYN ${i}`));
  }
  return frames;
}

/**
 * The DR conversation after `decoys` SYNs to other MACs. Copies show in the topology's
 * evidence (inferred from copies, not from the asymmetric path) and, with the topology given,
 * in the verdict: a request the matcher saw no copy of fails not-forwarded.
 */
async function drFlowAfter(decoys: number): Promise<{ vipEvidence: string; confidence: string; givenVerdict: string; findings: string[] }> {
  const path = join(dir, `after-${decoys}.pcap`);
  writeFileSync(path, toPcap([...synsToDistinctMacs(decoys), ...drConversation()]));
  const inferred = await checkCaptures([path], {});
  const given = await checkCaptures([path], { given: GIVEN });
  const flow = given.flows.find((f) => f.client.port === 40000);
  if (!flow) throw new Error('the DR flow is missing');
  return {
    vipEvidence: inferred.topology.vips.find((v) => v.ip === VIP)?.evidence ?? '',
    confidence: inferred.topology.confidence,
    givenVerdict: flow.verdict,
    findings: given.findings.map((f) => f.rule),
  };
}

describe('copy matcher pre-filter', () => {
  it.each([
    [3, 'with a few other destination MACs remembered'],
    [40, 'when the director is one destination MAC among too many to track'],
  ])('finds every copy after SYNs to %i other MACs (%s)', async (decoys) => {
    const r = await drFlowAfter(decoys);
    expect(r.vipEvidence).toMatch(/re-sent by the director/);
    expect(r.confidence).toBe('high');
    expect(r.findings).toEqual([]);
    expect(r.givenVerdict).toBe('pass');
  });
});
