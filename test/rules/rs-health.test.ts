/**
 * rs-health and the per-real-server numbers behind it, on conversations from the packet
 * builder: what the lab captures cannot hold (an RS's RST and zero window, a handshake that
 * took exactly the margin, replies relayed by another host). The lab's own slowed and lossy
 * real servers, and every healthy capture, are in test/check/modes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  CLIENT,
  DIRECTOR,
  drConversation,
  EtherType,
  ethernet,
  IpProto,
  ipv4,
  macBytes,
  RS1,
  RS2,
  T0,
  tcp,
  VIP,
  type Host,
  type TestFrame,
} from '../support/packets.js';
import { expectRule, frameOf, runRule } from './rule-tester.js';

const GIVEN = {
  services: [{ vip: VIP, port: 80, proto: 'tcp' as const }],
  directorMacs: [DIRECTOR.mac],
  realServers: [
    { ip: RS1.ip, mac: RS1.mac },
    { ip: RS2.ip, mac: RS2.mac },
  ],
};

function capture(...parts: TestFrame[][]): TestFrame[] {
  return parts.flat().sort((a, b) => a.tsSeconds - b.tsSeconds || a.tsNanos - b.tsNanos);
}

/** `n` connections to `rs` one second apart from `start`, the exchange's steps `stepMicros` apart. */
function connections(rs: Host, n: number, start: number, stepMicros: number, firstPort: number): TestFrame[][] {
  const startNanos = Math.round((start % 1) * 1e9);
  return Array.from({ length: n }, (_, i) => drConversation({ rs, clientPort: firstPort + i, startSeconds: T0 + Math.floor(start) + i, startNanos, stepMicros }));
}

/** A frame sent again: the same bytes a little later (a retransmission as the wire shows it). */
function again(f: TestFrame, afterMicros: number): TestFrame {
  const ns = f.tsNanos + afterMicros * 1000;
  return { ...f, tsSeconds: f.tsSeconds + Math.floor(ns / 1e9), tsNanos: ns % 1e9, note: `again: ${f.note}` };
}

function healthOf(result: Awaited<ReturnType<typeof runRule>>, rs: Host) {
  return result.topology.realServers.find((r) => r.mac === rs.mac)?.health;
}

describe('rs-health', () => {
  it('valid: every real server answers alike', async () => {
    const frames = capture(...connections(RS1, 6, 0, 200, 41000), ...connections(RS2, 6, 0.5, 200, 42000));
    const r = await expectRule('rs-health', { name: 'alike', frames, given: GIVEN, errors: [] });
    expect(healthOf(r, RS1)).toMatchObject({ connections: 6, handshakes: 6, retransmittedToServer: 0, retransmittedFromServer: 0, unanswered: 0 });
  });

  it('invalid: RS2 takes 50 ms per step where RS1 takes 0.2 ms: the slowest handshake is cited, SYN copy then SYN-ACK', async () => {
    const slow = connections(RS2, 6, 0.5, 50_000, 42000);
    const frames = capture(...connections(RS1, 6, 0, 200, 41000), ...slow);
    // Every slow handshake takes the same 49.98 ms: the earliest is the one cited.
    const firstSlow = slow[0]!;
    const syn = frames.indexOf(firstSlow.find((f) => f.note === 'director->rs copy of SYN')!) + 1;
    const synAck = frames.indexOf(firstSlow.find((f) => f.note === 'rs->client SYN/ACK')!) + 1;
    const r = await expectRule('rs-health', { name: 'slow', frames, given: GIVEN, errors: [{ messageId: 'slow', frames: [syn, synAck] }] });
    expect(r.findings[0]!.message).toMatch(/^real server 192\.168\.188\.110 \(00:0c:29:2c:a5:a0\) answered SYNs in 5\d ms \(median of 6 handshakes; slowest 50 ms\), its peers in 0\.1\d ms \(median of 6\)$/);
    // The builder keeps times as float nanoseconds since 1970: within a microsecond.
    expect(healthOf(r, RS2)?.handshakeMs?.max).toBeCloseTo(49.98, 2);
    // The fix is where to look on that real server, named by its own address, never the VIP's.
    const fix = r.findings[0]!.remediation;
    expect(fix.map((x) => ({ id: x.id, host: x.host }))).toEqual([{ id: 'rs-health-look', host: { role: 'real-server', ip: RS2.ip, mac: RS2.mac } }]);
    expect(fix[0]!.commands.map((c) => c.split(' ')[0])).toEqual(['ip', 'tc', 'ss']);
    expect(fix[0]!.why).toMatch(/^it answered SYNs in 5\d ms \(median\), its peers in 0\.1\d ms/);
  });

  it('valid: slower by a factor of 100 but by less than 20 ms (a LAN\'s noise, not a sick server)', async () => {
    // 15 ms per step: handshakes of 14.98 ms against 0.18 ms.
    const frames = capture(...connections(RS1, 6, 0, 200, 41000), ...connections(RS2, 6, 0.5, 15_000, 42000));
    await expectRule('rs-health', { name: 'under the margin', frames, given: GIVEN, errors: [] });
  });

  it('valid: five handshakes are needed of the slow server', async () => {
    const frames = capture(...connections(RS1, 6, 0, 200, 41000), ...connections(RS2, 4, 0.5, 50_000, 42000));
    await expectRule('rs-health', { name: 'four only', frames, given: GIVEN, errors: [] });
  });

  it('invalid: RS2 sends its responses twice; each connection\'s first retransmission is cited', async () => {
    const rs2 = connections(RS2, 4, 0.5, 200, 42000).map((c) => {
      const response = c.find((f) => f.note === 'rs->client response')!;
      return [...c, again(response, 100)];
    });
    const frames = capture(...connections(RS1, 4, 0, 200, 41000), ...rs2);
    const cited = rs2.map((c) => frames.indexOf(c[c.length - 1]!) + 1).sort((a, b) => a - b);
    const r = await expectRule('rs-health', { name: 'retransmits', frames, given: GIVEN, errors: [{ messageId: 'retransmits', frames: cited }] });
    expect(healthOf(r, RS2)).toMatchObject({ segmentsFromServer: 16, retransmittedFromServer: 4, retransmittedToServer: 0 });
    expect(r.findings[0]!.message).toBe(
      'real server 192.168.188.110 (00:0c:29:2c:a5:a0): 4 of 28 segments of its connections were sent again (14.3%; 0 to it, 4 from it), its peers 0.00% (0 of 24)',
    );
    expect(r.findings[0]!.remediation.map((x) => x.host)).toEqual([{ role: 'real-server', ip: RS2.ip, mac: RS2.mac }]);
    expect(r.findings[0]!.remediation[0]!.why).toBe("14.3% of its connections' segments were sent again, its peers' 0.00%: packets are lost on the host or its path");
  });

  it('valid: a reply relayed by the director (the same segment from another MAC) is no retransmission', async () => {
    const relayed = connections(RS2, 4, 0.5, 200, 42000).map((c) => {
      const response = c.find((f) => f.note === 'rs->client response')!;
      const data = response.data.slice();
      data.set(macBytes(DIRECTOR.mac), 6);
      return [...c, { ...again(response, 50), data }];
    });
    const r = await expectRule('rs-health', { name: 'relayed', frames: capture(...connections(RS1, 4, 0, 200, 41000), ...relayed), given: GIVEN, errors: [] });
    expect(healthOf(r, RS2)).toMatchObject({ retransmittedFromServer: 0, segmentsFromServer: 12 });
  });

  it("the director's copies are not counted as the client's retransmissions, a client's SYN sent again is", async () => {
    const c = drConversation({ rs: RS1, clientPort: 41000 });
    const syn = c[frameOf(c, 'client->director SYN') - 1]!;
    const copy = c[frameOf(c, 'director->rs copy of SYN') - 1]!;
    const frames = capture(c, [again(syn, 100), again(copy, 100)]);
    const r = await runRule('rs-health', { name: 'syn again', frames, given: GIVEN });
    expect(healthOf(r, RS1)).toMatchObject({ segmentsToServer: 4, retransmittedToServer: 1, handshakes: 1 });
  });

  it("counts the server's RSTs and zero windows", async () => {
    const rsFrame = (flags: string, window: number, seconds: number): TestFrame => ({
      tsSeconds: T0,
      tsNanos: seconds * 1e9,
      note: `rs ${flags}`,
      data: ethernet({
        src: RS1.mac,
        dst: CLIENT.mac,
        etherType: EtherType.IPv4,
        payload: ipv4({ src: VIP, dst: CLIENT.ip, proto: IpProto.TCP, payload: tcp({ srcPort: 80, dstPort: 41000, flags, seq: 0x7000_0000 + 41000 + 1, ack: 0, window }) }),
      }),
    });
    const frames = capture(drConversation({ rs: RS1, clientPort: 41000 }), [rsFrame('.', 0, 0.0011), rsFrame('.', 0, 0.0012), rsFrame('R', 0, 0.0013)]);
    const r = await runRule('rs-health', { name: 'rst', frames, given: GIVEN });
    expect(healthOf(r, RS1)).toMatchObject({ resets: 1, zeroWindows: 2 });
  });
});
