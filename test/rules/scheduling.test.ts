import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../../src/topology/topology.js';
import { CLIENT, DIRECTOR, drConversation, RS1, RS2, T0, VIP, type Host, type TestFrame } from '../support/packets.js';
import { expectRule, runRule } from './rule-tester.js';

/** New connections to the VIP, one every 2 s, to the RS the pattern names (1 or 2). */
function connections(pattern: string, clients: Host[] = [CLIENT]): TestFrame[] {
  return [...pattern].flatMap((c, i) =>
    drConversation({ rs: c === '1' ? RS1 : RS2, client: clients[i % clients.length]!, clientPort: 41000 + i, startSeconds: T0 + 2 * i }),
  );
}

function service(scheduler: string, w1: number, w2: number, extra: Partial<VirtualService> = {}): VirtualService {
  return {
    vip: VIP,
    port: 80,
    proto: 'tcp',
    scheduler,
    realServers: [
      { ip: RS1.ip, port: 80, weight: w1, forward: 'route' },
      { ip: RS2.ip, port: 80, weight: w2, forward: 'route' },
    ],
    ...extra,
  };
}

const given = (s: VirtualService) => ({
  services: [s],
  directorMacs: [DIRECTOR.mac],
  realServers: [
    { ip: RS1.ip, mac: RS1.mac },
    { ip: RS2.ip, mac: RS2.mac },
  ],
});

const C2: Host = { ip: '192.168.188.112', mac: '00:0c:29:f3:1f:df' };
const C3: Host = { ip: '192.168.188.113', mac: '00:0c:29:f3:1f:e0' };

describe('rs-share', () => {
  it('valid: wrr 3:1 seen 12:4, and rr seen alternating (IPVS serves the RS added last first)', async () => {
    await expectRule('rs-share', { name: 'wrr', frames: connections('1112111211121112'), given: given(service('wrr', 3, 1)) });
    await expectRule('rs-share', { name: 'rr', frames: connections('212121212121'), given: given(service('rr', 1, 1)) });
  });
  it('invalid: configured wrr 3:1, seen 8:8 (a stale configuration)', async () => {
    const r = await expectRule('rs-share', { name: 'stale', frames: connections('1212121212121212'), given: given(service('wrr', 3, 1)), errors: [{ messageId: 'mismatch', frames: [] }] });
    expect(r.findings[0]!.message).toBe(
      'configured wrr 3:1, seen 8 : 8 new connections (192.168.188.107 : 192.168.188.110); more than one scheduling cycle off',
    );
    expect(r.services[0]!.verdict).toBe('warning');
    expect(r.services[0]!.realServers.map((x) => [x.ip, x.weight, x.expectedShare, x.newConnections, x.share])).toEqual([
      ['192.168.188.107', 3, 0.75, 8, 0.5],
      ['192.168.188.110', 1, 0.25, 8, 0.5],
    ]);
  });
  it('says nothing without scheduling information, but reports the distribution', async () => {
    const r = await runRule('rs-share', { name: 'none', frames: connections('1111111111112222') });
    expect(r.findings).toEqual([]);
    expect(r.services.map((s) => [s.verdict, s.newConnections, s.realServers.map((x) => x.newConnections)])).toEqual([['observed', 16, [12, 4]]]);
  });
  it('lc / wlc / sh are reported, not judged', async () => {
    await expectRule('rs-share', { name: 'wlc', frames: connections('1111111111112222'), given: given(service('wlc', 1, 1)) });
  });
});

describe('persistence', () => {
  it('valid: each client sticks to one RS within the timeout; shares judged over templates', async () => {
    // client 1 -> RS1, client 2 -> RS2, client 3 -> RS1, three rounds: stable per client.
    const sticky = connections('121121121', [CLIENT, C2, C3]);
    await expectRule('persistence', { name: 'sticky', frames: sticky, given: given(service('rr', 1, 1, { persistence: 300 })) });
    await expectRule('rs-share', { name: 'templates', frames: sticky, given: given(service('rr', 1, 1, { persistence: 300 })) });
  });
  it('invalid: a client moved to the other RS within the timeout', async () => {
    // Every connection that left the client's previous RS is a session that lost its state.
    const frames = connections('1212', [CLIENT]);
    const syn = (i: number): number => i * drConversation().length + 2;
    await expectRule('persistence', {
      name: 'moved',
      frames,
      given: given(service('rr', 1, 1, { persistence: 300 })),
      errors: [1, 2, 3].map((i) => ({ messageId: 'moved', frames: [syn(i)] })),
    });
  });
});

describe('quiesced-rs', () => {
  it('valid: RS2 quiesced mid-capture (last new connection followed by a full cycle to RS1)', async () => {
    await expectRule('quiesced-rs', { name: 'drained', frames: connections('2121111111'), given: given(service('rr', 1, 0)) });
  });
  it('invalid: RS2 has weight 0 yet still gets new connections at the end', async () => {
    const frames = connections('1111212');
    const per = drConversation().length;
    await expectRule('quiesced-rs', {
      name: 'still-scheduled',
      frames,
      given: given(service('rr', 1, 0)),
      errors: [{ messageId: 'scheduled', frames: [4 * per + 2, 6 * per + 2] }],
    });
  });
});
