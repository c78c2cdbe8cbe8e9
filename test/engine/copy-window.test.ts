// The copy window is a ring that grows when a burst fills it. A burst that starts part-way
// round the ring (after older frames expired) wraps before it grows: the rows must keep their
// order and their index through the move, or copies go unmatched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/engine/check.js';
import { CLIENT, DIRECTOR, EtherType, IpProto, RS1, T0, VIP, ethernet, fixIpv4Checksum, frameAt, ipv4, tcp, toPcap, type TestFrame } from '../support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A client's segment to the VIP (router -> director) and the director's copy of it (-> RS). */
function originalAndCopy(i: number, micros: number, copyMicros: number): [TestFrame, TestFrame] {
  const ip = ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, ttl: 64, id: i & 0xffff, payload: tcp({ srcPort: 10000 + (i % 50000), dstPort: 80, flags: '.', seq: 1000 + i, ack: 1 }) });
  const copy = ip.slice();
  copy[8] = copy[8]! - 1;
  fixIpv4Checksum(copy);
  return [
    frameAt(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ip }), T0, micros * 1000, `original ${i}`),
    frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy }), T0, copyMicros * 1000, `copy ${i}`),
  ];
}

describe('copy window ring', () => {
  it('matches every copy of a burst that wraps round the ring before it grows', async () => {
    const frames: TestFrame[] = [];
    // 3,000 frames copied at once, then gone from the window: the ring's head is now at row 3,000.
    for (let i = 0; i < 3000; i++) frames.push(...originalAndCopy(i, i, i));
    // Two seconds on, 5,000 originals in a row (past the initial 4,096 rows), then their copies.
    const burst: TestFrame[][] = [];
    for (let i = 3000; i < 8000; i++) burst.push(originalAndCopy(i, 2_000_000 + (i - 3000), 2_010_000 + (i - 3000)));
    frames.push(...burst.map((b) => b[0]), ...burst.map((b) => b[1]));
    const path = join(dir, 'wrap.pcap');
    writeFileSync(path, toPcap(frames));
    const result = await checkCaptures([path], {});
    const vip = result.topology.vips.find((v) => v.ip === VIP);
    expect(vip?.evidence).toContain('8000 client packets re-sent by the director');
  });
});
