import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { FIXTURES } from './fixture-expectations.js';

const healthy = (p: string): string => join(FIXTURES, 'healthy', p);
const missing = (p: string): string => join(FIXTURES, 'vip-missing-on-rs', p);

describe('several captures of one run, merged by time', () => {
  it('the four vantage points of a healthy run pass together, each frame counted once', async () => {
    const all = await checkCaptures([healthy('bridge.pcap'), healthy('director.pcap'), healthy('rs1.pcap'), healthy('client.pcap')]);
    const bridge = await checkCaptures([healthy('bridge.pcap')]);
    expect(all.verdict).toBe('pass');
    expect(all.summary.findingsBySeverity.error).toBe(0);
    expect(all.captures.map((c) => c.vantagePoint)).toEqual([
      'mirror port (frames between many hosts)',
      'port of 00:0c:29:50:d5:63 (director)',
      'port of 00:0c:29:e4:4d:1f (real server)',
      'port of 00:0c:29:f3:1f:de (client)',
    ]);
    // The same frame seen at two points is one packet: the merged legs equal the mirror's.
    expect(all.flows.map((f) => f.packets)).toEqual(bridge.flows.map((f) => f.packets));
    expect(all.summary.frames).toBe(all.captures.reduce((n, c) => n + c.frames, 0));
  });

  it("the director capture alone proves it only where the client's retransmissions do", async () => {
    const director = await checkCaptures([missing('director.pcap')]);
    const rs2Flows = director.flows.filter((f) => f.realServer?.mac === '00:0c:29:2c:a5:a0');
    expect(rs2Flows.length).toBeGreaterThan(0);
    // A TCP client that sent its SYN again and again, each forwarded, and never acknowledged
    // anything got no answer; a single UDP query's answer would not pass the director's port,
    // so what this port shows of it (the query, forwarded) passes, replies not visible here.
    for (const f of rs2Flows) {
      const rules = f.findings.map((i) => director.findings[i]!.rule);
      if (f.proto === 'tcp') {
        expect(f.verdict).toBe('fail');
        expect(rules).toEqual(['no-reply']);
      } else {
        expect(f.verdict).toBe('pass');
        expect(f.note).toBe('replies not visible here');
        expect(rules).toEqual([]);
      }
    }
    expect(rs2Flows.some((f) => f.proto === 'udp')).toBe(true);
  });

  it('director + RS2 captures prove it: every flow forwarded to RS2 gets no-reply, cited in the director capture', async () => {
    const both = await checkCaptures([missing('director.pcap'), missing('rs2.pcap')]);
    const rs2Flows = both.flows.filter((f) => f.realServer?.mac === '00:0c:29:2c:a5:a0');
    expect(rs2Flows.length).toBeGreaterThan(0);
    for (const f of rs2Flows) {
      expect(f.verdict).toBe('fail');
      const rules = f.findings.map((i) => both.findings[i]!.rule);
      expect(rules).toContain('no-reply');
    }
    const noReply = both.findings.filter((f) => f.rule === 'no-reply');
    expect(noReply.length).toBe(rs2Flows.length);
    // The forwarded copy is seen at both points; the first sighting (the director's) is the evidence.
    for (const f of noReply) expect(f.frames[0]!.capture).toBe(0);
    // Flows to RS1 pass on what the captures show of them (forwarded right): no capture shows RS1's side.
    for (const f of both.flows.filter((x) => x.realServer?.mac === '00:0c:29:e4:4d:1f')) {
      expect(f.verdict).toBe('pass');
      expect(f.note).toBe('replies not visible here');
    }
  });
});
