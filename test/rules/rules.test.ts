import { describe, expect, it } from 'vitest';
import {
  arpReply,
  EtherType,
  ethernet,
  fixIpv4Checksum,
  IpProto,
  ipv4,
  tcp,
  arpRequest,
  CLIENT,
  DIRECTOR,
  drConversation,
  frameAt,
  gratuitousArp,
  macBytes,
  naFrame,
  RS1,
  RS2,
  T0,
  VIP,
  type Host,
  type TestFrame,
} from '../support/packets.js';
import { expectRule, frameOf } from './rule-tester.js';

const CLIENT2: Host = { ip: '192.168.188.112', mac: '00:0c:29:f3:1f:df' };
const STANDBY: Host = { ip: '192.168.188.109', mac: '00:0c:29:50:d5:64' };
const GIVEN = {
  services: [{ vip: VIP, port: 80, proto: 'tcp' as const }],
  directorMacs: [DIRECTOR.mac],
  realServers: [
    { ip: RS1.ip, mac: RS1.mac },
    { ip: RS2.ip, mac: RS2.mac },
  ],
};

/** Renumbers notes/times: frames of several builders in capture order. */
function capture(...parts: TestFrame[][]): TestFrame[] {
  return parts.flat().sort((a, b) => a.tsSeconds - b.tsSeconds || a.tsNanos - b.tsNanos);
}

/** A frame `seconds` after T0 that only moves the capture's end (an ARP request from the director). */
function tail(seconds: number): TestFrame {
  return frameAt(arpRequest(DIRECTOR, RS1.ip), T0 + seconds, 0, 'tail');
}

function withDstMac(f: TestFrame, mac: string): TestFrame {
  const data = f.data.slice();
  data.set(macBytes(mac), 0);
  return { ...f, data };
}

describe('director-l2-only', () => {
  it('valid: two client ACKs alike but for their IP id, each copied: every copy pairs with its own original', async () => {
    // The server sent a segment twice; the client acknowledged both; the director forwards both.
    const ack = (id: number): Uint8Array =>
      ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, id, payload: tcp({ srcPort: 40000, dstPort: 80, flags: '.', seq: 1000, ack: 2000 }) });
    const copy = (ip: Uint8Array): Uint8Array => {
      const c = ip.slice();
      c[8] = c[8]! - 1;
      fixIpv4Checksum(c);
      return c;
    };
    const a1 = ack(7);
    const a2 = ack(8);
    const frames = [
      frameAt(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: a1 }), T0, 0, 'ack 1'),
      frameAt(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: a2 }), T0, 5_000, 'ack 2'),
      frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy(a1) }), T0, 20_000, 'copy 1'),
      frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy(a2) }), T0, 25_000, 'copy 2'),
      tail(3),
    ];
    await expectRule('director-l2-only', { name: 'dup-acks', frames, given: GIVEN });
    await expectRule('not-forwarded', { name: 'dup-acks', frames, given: GIVEN });
  });

  it('valid: TTL one lower (current kernels) or unchanged (before "ipvs: Decrement ttl")', async () => {
    await expectRule('director-l2-only', { name: 'ttl-1', frames: drConversation({ ttlDecrement: 1 }) });
    await expectRule('director-l2-only', { name: 'ttl-0', frames: drConversation({ ttlDecrement: 0 }) });
  });

  it('invalid: tunnel mode (IP-in-IP to the RS) is named as such', async () => {
    const frames = drConversation({ mode: 'tun' });
    const copy = frameOf(frames, 'director->rs copy of SYN');
    await expectRule('director-l2-only', { name: 'tun', frames, given: GIVEN, errors: [{ messageId: 'tunnel', frames: [copy, copy - 1] }] });
  });

  it('invalid: NAT (destination rewritten to the RS) is named as such', async () => {
    const frames = drConversation({
      mutateCopy: (ip) => {
        ip.set([192, 168, 188, 107], 16);
      },
    });
    const copy = frameOf(frames, 'director->rs copy of SYN');
    await expectRule('director-l2-only', { name: 'nat', frames, errors: [{ messageId: 'nat', frames: [copy, copy - 1] }] });
  });

  it('invalid: a changed IP id or payload, or TTL two lower', async () => {
    const idChanged = drConversation({
      mutateCopy: (ip, i) => {
        if (i === 2) ip[5] = ip[5]! ^ 0xff;
      },
    });
    const third = frameOf(idChanged, 'director->rs copy of request');
    await expectRule('director-l2-only', { name: 'id', frames: idChanged, errors: [{ messageId: 'modified', frames: [third, third - 1] }] });

    const payloadChanged = drConversation({
      mutateCopy: (ip, i) => {
        if (i === 2) ip[ip.length - 1] = 0x21;
      },
    });
    await expectRule('director-l2-only', {
      name: 'payload',
      frames: payloadChanged,
      errors: [{ messageId: 'modified', frames: [frameOf(payloadChanged, 'director->rs copy of request'), frameOf(payloadChanged, 'director->rs copy of request') - 1] }],
    });

    const ttl2 = drConversation({
      mutateCopy: (ip, i) => {
        if (i === 0) ip[8] = ip[8]! - 1;
      },
    });
    await expectRule('director-l2-only', { name: 'ttl-2', frames: ttl2, errors: [{ messageId: 'modified', frames: [2, 1] }] });
  });
});

describe('flow-affinity', () => {
  it('valid: every copy of the flow to one RS', async () => {
    await expectRule('flow-affinity', { name: 'one-rs', frames: drConversation() });
  });
  it('invalid: the director sends the rest of the connection to another RS', async () => {
    const frames = drConversation().map((f, i) => (i > 3 && f.note.startsWith('director->rs') ? withDstMac(f, RS2.mac) : f));
    const moved = frames.findIndex((f, i) => i > 3 && f.note.startsWith('director->rs')) + 1;
    await expectRule('flow-affinity', { name: 'split', frames, errors: [{ messageId: 'split', frames: [moved, 2] }] });
  });
});

describe('forwarded-to-known-rs', () => {
  it('valid: copies to a given RS; silent when no RS is given', async () => {
    await expectRule('forwarded-to-known-rs', { name: 'known', frames: drConversation({ rs: RS1 }), given: GIVEN });
    await expectRule('forwarded-to-known-rs', { name: 'nothing-given', frames: drConversation({ rs: RS2 }) });
  });
  it('invalid: copies to a MAC that is not a given RS', async () => {
    const stranger: Host = { ip: '192.168.188.199', mac: '00:0c:29:99:99:99' };
    await expectRule('forwarded-to-known-rs', {
      name: 'stranger',
      frames: drConversation({ rs: stranger }),
      given: GIVEN,
      errors: [{ messageId: 'unknown', frames: [2] }],
    });
  });
});

describe('not-forwarded', () => {
  it('invalid: client packets reach the director and no copy follows', async () => {
    const healthy = drConversation({ clientPort: 40001 });
    const dropped = drConversation({ clientPort: 40002, dropCopies: true, startSeconds: T0 + 1 });
    const frames = capture(healthy, dropped, [tail(5)]);
    await expectRule('not-forwarded', {
      name: 'dropped',
      frames,
      errors: [{ messageId: 'dropped', frames: [healthy.length + 1] }],
    });
  });
  it('invalid: one packet of a flow is not forwarded, and the message counts it in the singular', async () => {
    const healthy = drConversation({ clientPort: 40001 });
    const oneLost = drConversation({ clientPort: 40003, startSeconds: T0 + 1 }).filter((f) => f.note !== 'director->rs copy of request');
    const frames = capture(healthy, oneLost, [tail(5)]);
    const result = await expectRule('not-forwarded', {
      name: 'one-lost',
      frames,
      errors: [{ messageId: 'dropped', frames: [frameOf(frames, 'client->director request', healthy.length)] }],
    });
    expect(result.findings.find((f) => f.rule === 'not-forwarded')?.message).toMatch(/^1 client packet to the director was not forwarded/);
  });
  it('valid: the last client packet of a capture cut right after it is not judged', async () => {
    const frames = drConversation().slice(0, 1);
    await expectRule('not-forwarded', { name: 'cut', frames: capture(drConversation({ clientPort: 40009, startSeconds: T0 - 5 }), frames), given: GIVEN });
  });
});

describe('reply-src-vip and reply-direct', () => {
  it('valid: replies from the VIP straight to the client', async () => {
    await expectRule('reply-src-vip', { name: 'ok', frames: drConversation() });
    await expectRule('reply-direct', { name: 'ok', frames: drConversation() });
  });
  it('invalid: replies from the RS real IP', async () => {
    const frames = drConversation({ replySrc: RS1.ip });
    await expectRule('reply-src-vip', { name: 'real-ip', frames, given: GIVEN, errors: [{ messageId: 'wrongSource', frames: [frameOf(frames, 'rs->client')] }] });
  });
  it('invalid: replies sent to the director MAC', async () => {
    const frames = drConversation({ replyDstMac: DIRECTOR.mac });
    await expectRule('reply-direct', { name: 'via-director', frames, given: GIVEN, errors: [{ messageId: 'toDirector', frames: [frameOf(frames, 'rs->client')] }] });
  });
});

describe('no-reply', () => {
  const silent = (port: number, start: number): TestFrame[] =>
    drConversation({ clientPort: port, rs: RS2, startSeconds: start }).filter((f) => !f.note.startsWith('rs->'));
  it('invalid: forwarded and never answered, on a mirror that shows other replies', async () => {
    const frames = capture(drConversation({ clientPort: 40001 }), silent(40002, T0 + 1), [tail(5)]);
    await expectRule('no-reply', { name: 'silent', frames, given: GIVEN, errors: [{ messageId: 'silent', frames: [frameOf(frames, 'director->rs', 13)] }] });
  });
  it('valid: the capture ends before an answer was due', async () => {
    const frames = capture(drConversation({ clientPort: 40001 }), silent(40002, T0 + 1));
    await expectRule('no-reply', { name: 'cut', frames, given: GIVEN });
  });
});

describe('no-reply: the client retransmitting what the director forwarded', () => {
  /** A client's SYN sent `times` times one second apart, each copied to RS2, never answered. */
  const synRetransmitted = (port: number, start: number, times: number): TestFrame[] =>
    Array.from({ length: times }, (_, i) =>
      drConversation({ clientPort: port, rs: RS2, startSeconds: start + i }).filter((f) => f.note.endsWith('SYN') && !f.note.startsWith('rs->')),
    ).flat();
  it('invalid: at the very end of a mirror capture, the retransmissions are the proof', async () => {
    const frames = capture(drConversation({ clientPort: 40001 }), synRetransmitted(40002, T0 + 1, 3));
    const copy = frameOf(frames, 'director->rs copy of SYN', 13);
    await expectRule('no-reply', { name: 'end', frames, given: GIVEN, errors: [{ messageId: 'retransmitted', frames: [copy] }] });
  });
  it("invalid: on the director's port, a client that only ever sent the forwarded SYN again", async () => {
    const frames = capture(drConversation({ clientPort: 40001 }).filter((f) => !f.note.startsWith('rs->')), synRetransmitted(40002, T0 + 1, 3), [tail(8)]);
    const copy = frameOf(frames, 'director->rs copy of SYN', 10);
    const r = await expectRule('no-reply', { name: 'director-port', frames, given: GIVEN, errors: [{ messageId: 'retransmitted', frames: [copy] }] });
    expect(r.captures[0]!.vantagePoint).toBe('port of 00:0c:29:50:d5:63 (director)');
    // The first connection was acknowledged by its client: answered, even though no reply is
    // visible here; every leg this port shows is right, so it passes, with the note that says so.
    const answered = r.flows.find((f) => f.client.port === 40001)!;
    expect(answered.verdict).toBe('pass');
    expect(answered.note).toBe('replies not visible here');
  });
  it('valid: one SYN, no retransmission, the capture ends before an answer was due', async () => {
    const frames = capture(drConversation({ clientPort: 40001 }), synRetransmitted(40002, T0 + 1, 1));
    await expectRule('no-reply', { name: 'cut', frames, given: GIVEN });
  });
  it('valid: a client whose pure ACKs repeat its sequence number is not retransmitting', async () => {
    await expectRule('no-reply', { name: 'acks', frames: capture(drConversation({ clientPort: 40001 }), [tail(3)]), given: GIVEN });
  });
});

describe('duplicate-address', () => {
  const request = frameAt(arpRequest(CLIENT, VIP), T0, 0, 'client asks for the VIP');
  const rs2Answers = frameAt(arpReply(RS2, VIP, CLIENT), T0, 30_000, 'rs2 answers');
  const directorAnswers = frameAt(arpReply(DIRECTOR, VIP, CLIENT), T0, 35_000, 'director answers');
  it('invalid: two MACs answer one request; the client kept the first (its SYN goes there)', async () => {
    const syn = drConversation({ director: RS2, dropCopies: true, startSeconds: T0, startNanos: 100_000 }).slice(0, 1);
    const frames = [request, rs2Answers, directorAnswers, ...syn];
    const r = await expectRule('duplicate-address', { name: 'dup', frames, given: GIVEN, errors: [{ messageId: 'answered', frames: [2, 3] }] });
    const f = r.findings[0]!;
    expect(f.severity).toBe('error');
    expect(f.message).toContain('00:0c:29:2c:a5:a0 (real server, frame 2), 00:0c:29:50:d5:63 (director, frame 3)');
    expect(f.message).toContain('the requester kept 00:0c:29:2c:a5:a0 (its next frame there, frame 4, went to it)');
  });
  it('invalid without any topology too, and it stays an error: a fact, not a guess', async () => {
    const syn = drConversation({ director: RS2, dropCopies: true, startSeconds: T0, startNanos: 100_000 });
    const r = await expectRule('duplicate-address', { name: 'none', frames: [request, rs2Answers, directorAnswers, ...syn], errors: [{ messageId: 'answered', frames: [2, 3] }] });
    expect(r.findings[0]!.severity).toBe('error');
  });
  it('valid: one answer; the same MAC answering twice; answers to requests seconds apart', async () => {
    await expectRule('duplicate-address', { name: 'one', frames: [request, directorAnswers], given: GIVEN });
    await expectRule('duplicate-address', { name: 'twice', frames: [request, directorAnswers, frameAt(arpReply(DIRECTOR, VIP, CLIENT), T0, 40_000)], given: GIVEN });
    const later = frameAt(arpReply(STANDBY, VIP, CLIENT), T0 + 5, 0, 'standby answers a later request');
    await expectRule('duplicate-address', { name: 'failover', frames: [request, directorAnswers, frameAt(arpRequest(CLIENT, VIP), T0 + 5, 0), later], given: GIVEN });
  });
});

describe('vip-unreached', () => {
  it('invalid: a --vip that no flow reaches, whatever the rest of the capture', async () => {
    const given = { ...GIVEN, services: [{ vip: '10.9.9.9', port: 80, proto: 'tcp' as const, asserted: true }] };
    const r = await expectRule('vip-unreached', { name: 'typo', frames: drConversation(), given, errors: [{ messageId: 'unreached', frames: [] }] });
    expect(r.verdict).toBe('fail');
    expect(r.findings[0]!.message).toBe('no flow reached 10.9.9.9:80/tcp; the capture carries traffic to 192.168.188.120:80/tcp (1 flow, looks like a VIP)');
  });
  it("valid: the --vip is reached; a service of the director's table without traffic while others have some", async () => {
    await expectRule('vip-unreached', { name: 'ok', frames: drConversation(), given: { ...GIVEN, services: [{ vip: VIP, port: 80, proto: 'tcp' as const, asserted: true }] } });
    const table = { ...GIVEN, services: [{ vip: VIP, port: 80, proto: 'tcp' as const }, { vip: VIP, port: 53, proto: 'udp' as const }] };
    await expectRule('vip-unreached', { name: 'table', frames: drConversation(), given: table });
  });
});

describe('client-bypass', () => {
  it('invalid: the client sends to an RS MAC, linked to the RS ARP reply that poisoned it', async () => {
    const poison = frameAt(arpReply(RS1, VIP, CLIENT), T0 - 1, 0, 'rs1 arp reply for the VIP');
    const bypass = drConversation({ director: RS1, dropCopies: true });
    const frames = capture([poison], bypass);
    await expectRule('client-bypass', { name: 'bypass', frames, given: GIVEN, errors: [{ messageId: 'bypassPoisoned', frames: [2, 1] }] });
  });
  it('valid: the client sends to the director', async () => {
    await expectRule('client-bypass', { name: 'ok', frames: drConversation(), given: GIVEN });
  });
});

describe('address rules', () => {
  const directorAnswers = frameAt(arpReply(DIRECTOR, VIP, CLIENT), T0, 0, 'director arp reply');
  it('rs-arp-reply-vip: an RS answering ARP for the VIP; the director answering is valid', async () => {
    await expectRule('rs-arp-reply-vip', { name: 'ok', frames: [directorAnswers], given: GIVEN });
    const frames = [directorAnswers, frameAt(arpReply(RS2, VIP, CLIENT), T0, 1000, 'rs2 arp reply')];
    await expectRule('rs-arp-reply-vip', { name: 'rs2', frames, given: GIVEN, errors: [{ messageId: 'answered', frames: [2] }] });
  });
  it('rs-arp-announce-vip: an RS ARP request with the VIP as sender IP', async () => {
    await expectRule('rs-arp-announce-vip', { name: 'ok', frames: [frameAt(arpRequest(RS1, CLIENT.ip), T0, 0)], given: GIVEN });
    const frames = [frameAt(arpRequest(RS1, CLIENT.ip, VIP), T0, 0)];
    await expectRule('rs-arp-announce-vip', { name: 'announce', frames, given: GIVEN, errors: [{ messageId: 'announced', frames: [1] }] });
  });
  it('rs-nd-vip: an RS Neighbor Advertisement for an IPv6 VIP', async () => {
    const vip6 = '2001:db8:188::120';
    const rs6 = { ip: '2001:db8:188::107', mac: RS1.mac };
    const client6 = { ip: '2001:db8:188::111', mac: CLIENT.mac };
    const given = { ...GIVEN, services: [{ vip: vip6, port: 80, proto: 'tcp' as const }] };
    const frames = [frameAt(naFrame(rs6, vip6, client6), T0, 0)];
    await expectRule('rs-nd-vip', { name: 'na', frames, given, errors: [{ messageId: 'advertised', frames: [1] }] });
  });
  it('vip-mac-conflict: two MACs answer for the VIP; one owner is valid, with or without topology', async () => {
    await expectRule('vip-mac-conflict', { name: 'ok', frames: [directorAnswers, frameAt(arpReply(DIRECTOR, VIP, CLIENT2), T0 + 2, 0)] });
    // Another client's request answered by an RS while the director's claim is live.
    const frames = [directorAnswers, frameAt(arpReply(RS1, VIP, CLIENT2), T0, 500_000)];
    await expectRule('vip-mac-conflict', { name: 'given', frames, given: GIVEN, errors: [{ messageId: 'conflict', frames: [2] }] });
    await expectRule('vip-mac-conflict', { name: 'no-topology', frames, errors: [{ messageId: 'conflict', frames: [2] }] });
  });
  it('vip-mac-conflict: answers to one request from several MACs are duplicate-address, not counted again', async () => {
    const frames = [directorAnswers, frameAt(arpReply(RS1, VIP, CLIENT), T0, 500_000)];
    await expectRule('vip-mac-conflict', { name: 'dup', frames, given: GIVEN });
    await expectRule('duplicate-address', { name: 'dup', frames, given: GIVEN, errors: [{ messageId: 'answered', frames: [1, 2] }] });
  });
  it('vip-owner-change: a standby director takes over with gratuitous ARP (info); staying put is valid', async () => {
    const given = { ...GIVEN, directorMacs: [DIRECTOR.mac, STANDBY.mac] };
    await expectRule('vip-owner-change', { name: 'stay', frames: [directorAnswers], given });
    const frames = [directorAnswers, frameAt(gratuitousArp(STANDBY.mac, VIP), T0 + 10, 0), frameAt(gratuitousArp(STANDBY.mac, VIP), T0 + 11, 0)];
    await expectRule('vip-owner-change', { name: 'failover', frames, given, errors: [{ messageId: 'changed', frames: [2] }] });
    // A takeover is not a conflict.
    await expectRule('vip-mac-conflict', { name: 'failover', frames, given });
  });
});
