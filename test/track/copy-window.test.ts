// The copy window is a ring that grows when a burst fills it. A burst that starts part-way
// round the ring (after older frames expired) wraps before it grows: the rows must keep their
// order and their index through the move, or copies go unmatched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { CLIENT, DIRECTOR, EtherType, IpProto, RS1, SYN_OPTIONS, T0, VIP, arpRequest, drConversation, ethernet, fixIpv4Checksum, frameAt, ipv4, tcp, toPcap, type TestFrame } from '../support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Segment {
  srcPort: number;
  seq: number;
  id: number;
  micros: number;
  copyMicros: number;
  payload?: Uint8Array;
}

/** A client's segment to the VIP (router -> director) and the director's copy of it (-> RS). */
function originalAndCopy(o: Segment): [TestFrame, TestFrame] {
  const flags = o.payload ? 'P.' : '.';
  const ip = ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, ttl: 64, id: o.id, payload: tcp({ srcPort: o.srcPort, dstPort: 80, flags, seq: o.seq, ack: 1, payload: o.payload }) });
  const copy = ip.slice();
  copy[8] = copy[8]! - 1;
  fixIpv4Checksum(copy);
  return [
    frameAt(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ip }), T0, o.micros * 1000, `original id ${o.id}`),
    frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy }), T0, o.copyMicros * 1000, `copy id ${o.id}`),
  ];
}

/** Segment i of a burst: each from its own client port. */
const burstSegment = (i: number, micros: number, copyMicros: number): [TestFrame, TestFrame] =>
  originalAndCopy({ srcPort: 10000 + (i % 50000), seq: 1000 + i, id: i & 0xffff, micros, copyMicros });

describe('copy window ring', () => {
  it('matches every copy of a burst that wraps round the ring before it grows', async () => {
    const frames: TestFrame[] = [];
    // 3,000 frames copied at once, then gone from the window: the ring's head is now at row 3,000.
    for (let i = 0; i < 3000; i++) frames.push(...burstSegment(i, i, i));
    // Two seconds on, 5,000 originals in a row (past the initial 4,096 rows), then their copies.
    const burst: TestFrame[][] = [];
    for (let i = 3000; i < 8000; i++) burst.push(burstSegment(i, 2_000_000 + (i - 3000), 2_010_000 + (i - 3000)));
    frames.push(...burst.map((b) => b[0]), ...burst.map((b) => b[1]));
    const path = join(dir, 'wrap.pcap');
    writeFileSync(path, toPcap(frames));
    const result = await checkCaptures([path], {});
    const vip = result.topology.vips.find((v) => v.ip === VIP);
    expect(vip?.evidence).toContain('8000 client packets re-sent by the director');
  });
});

describe('copy window, identical frames', () => {
  /** A segment of client port 40000 with sequence number `seq` and IP id `id`, copied 5 µs later. */
  const segment = (seq: number, id: number, micros: number): [TestFrame, TestFrame] =>
    originalAndCopy({ srcPort: 40000, seq, id, micros, copyMicros: micros + 5, payload: new Uint8Array(20) });

  it('pairs a late copy with its own original when a retransmission was copied first', async () => {
    // The client sends a segment and retransmits it; the director forwards the retransmission
    // first and the first transmission late, after the client's next segment.
    const [first, firstCopy] = segment(5000, 1, 0);
    const [retransmission, retransmissionCopy] = segment(5000, 2, 100);
    const [next, nextCopy] = segment(5020, 3, 200);
    // The server's ACK 1.5 s on: the originals' one-second windows have closed by then.
    const ack = ipv4({ src: VIP, dst: CLIENT.ip, proto: IpProto.TCP, id: 9, payload: tcp({ srcPort: 80, dstPort: 40000, flags: '.', seq: 1, ack: 5040 }) });
    const serverAck = frameAt(ethernet({ src: RS1.mac, dst: CLIENT.mac, etherType: EtherType.IPv4, payload: ack }), T0 + 1, 500_000_000, 'rs ACK');
    // A whole conversation before, so the capture shows itself as a mirror of the director's
    // forwarding (the not-forwarded rule only judges where copies could be seen).
    const before = drConversation({ clientPort: 41000, startSeconds: T0 - 10 });
    const frames = [...before, first, retransmission, retransmissionCopy, next, firstCopy, nextCopy, serverAck];
    const path = join(dir, 'late-copy.pcap');
    writeFileSync(path, toPcap(frames));
    const result = await checkCaptures([path], {
      given: { services: [{ vip: VIP, port: 80, proto: 'tcp' }], directorMacs: [DIRECTOR.mac], realServers: [{ ip: RS1.ip, mac: RS1.mac }], sources: [] },
    });
    // Every original found its copy: nothing uncopied (not-forwarded), and no copy compared
    // with the wrong original (an IP id "changed" by the director).
    expect(result.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    const flow = result.flows.find((f) => f.client.port === 40000);
    expect(flow?.packets.forwarded).toBe(3);
  });
});

describe('copy window, a director waiting for the real server\'s MAC', () => {
  it('a SYN queued past the window is not forwarded in time; its late copy is no modified copy of the retransmitted SYN', async () => {
    // As ipvs-rs-lossy recorded it: the director asks for RS1's MAC, the answer is lost, the
    // client sends its SYN again 1.01 s later, the director asks again and, answered, sends
    // both queued SYNs at once: the first one's copy over a second after it (past the window),
    // right before the copy of the retransmission, which alike but for its IP id.
    const syn = (id: number, seconds: number, nanos: number, note: string): TestFrame =>
      frameAt(
        ethernet({
          src: CLIENT.mac,
          dst: DIRECTOR.mac,
          etherType: EtherType.IPv4,
          payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, ttl: 64, id, payload: tcp({ srcPort: 40456, dstPort: 80, flags: 'S', seq: 3211780122, options: SYN_OPTIONS }) }),
        }),
        seconds,
        nanos,
        note,
      );
    const copyOf = (f: TestFrame, nanos: number): TestFrame => {
      const ip = f.data.slice(14);
      ip[8] = ip[8]! - 1;
      fixIpv4Checksum(ip);
      return frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: ip }), T0 + 2, nanos, `copy of ${f.note}`);
    };
    const first = syn(0x73eb, T0 + 1, 278_721_000, 'SYN');
    const again = syn(0x73ec, T0 + 2, 288_302_000, 'SYN again');
    const before = drConversation({ clientPort: 41000, startSeconds: T0 - 10 });
    const frames = [
      ...before,
      first,
      frameAt(arpRequest(DIRECTOR, RS1.ip), T0 + 1, 279_082_000, 'who-has RS1'),
      again,
      frameAt(arpRequest(DIRECTOR, RS1.ip), T0 + 2, 288_430_000, 'who-has RS1 again'),
      copyOf(first, 289_434_000),
      copyOf(again, 289_443_000),
      frameAt(
        ethernet({
          src: RS1.mac,
          dst: CLIENT.mac,
          etherType: EtherType.IPv4,
          payload: ipv4({ src: VIP, dst: CLIENT.ip, proto: IpProto.TCP, payload: tcp({ srcPort: 80, dstPort: 40456, flags: 'S.', seq: 1017929275, ack: 3211780123, options: SYN_OPTIONS }) }),
        }),
        T0 + 2,
        290_318_000,
        'SYN-ACK',
      ),
      frameAt(arpRequest(DIRECTOR, RS1.ip), T0 + 5, 0, 'tail'),
    ];
    const path = join(dir, 'arp-queue.pcap');
    writeFileSync(path, toPcap(frames));
    const result = await checkCaptures([path], {
      given: { services: [{ vip: VIP, port: 80, proto: 'tcp' }], directorMacs: [DIRECTOR.mac], realServers: [{ ip: RS1.ip, mac: RS1.mac }], sources: [] },
    });
    const firstFrame = frames.indexOf(first) + 1;
    expect(result.findings.map((f) => `${f.rule}@${f.frames[0]?.frame}`)).toEqual([`not-forwarded@${firstFrame}`]);
  });
});
