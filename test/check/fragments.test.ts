/**
 * Fragmented IPv4 through a DR director, as a mirror port sees it: a UDP request too big for
 * one frame crosses as three fragments, each copied by the director to the RS; the answer comes
 * back as two. Only the first fragment carries the ports; the others belong to the flow by IP id.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import { CLIENT, DIRECTOR, EtherType, IpProto, RS1, T0, VIP, drConversation, ethernet, fixIpv4Checksum, frameAt, ipv4, toPcap, udp, type TestFrame } from '../support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-fragments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The IP packets of one UDP datagram cut into fragments of at most `mtuPayload` bytes. */
function fragments(o: { src: string; dst: string; srcPort: number; dstPort: number; size: number; id: number; mtuPayload: number }): Uint8Array[] {
  const datagram = udp({ srcPort: o.srcPort, dstPort: o.dstPort, payload: new Uint8Array(o.size).fill(0x5a) });
  const out: Uint8Array[] = [];
  for (let at = 0; at < datagram.length; at += o.mtuPayload) {
    const part = datagram.subarray(at, Math.min(datagram.length, at + o.mtuPayload));
    out.push(ipv4({ src: o.src, dst: o.dst, proto: IpProto.UDP, id: o.id, df: false, mf: at + o.mtuPayload < datagram.length, fragmentOffset: at, payload: part, l4Checksum: 'keep' }));
  }
  return out;
}

/** Client -> director -> RS (every fragment copied unless listed in `dropCopy`), RS -> client. */
function exchange(clientPort: number, dropCopy: number[] = []): TestFrame[] {
  // A mirror port needs some ordinary unicast traffic to show what it is: a few TCP
  // connections to another port, then the exchange.
  const frames: TestFrame[] = [40001, 40002, 40003].flatMap((port, i) => drConversation({ clientPort: port, startSeconds: T0 + i }));
  const start = T0 + 10;
  let t = 0;
  const push = (data: Uint8Array, note: string): void => {
    t += 100_000;
    frames.push(frameAt(data, start + Math.floor(t / 1e9), t % 1e9, note));
  };
  fragments({ src: CLIENT.ip, dst: VIP, srcPort: clientPort, dstPort: 53, size: 3000, id: clientPort, mtuPayload: 1480 }).forEach((ip, i) => {
    push(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ip }), `client fragment ${i}`);
    if (dropCopy.includes(i)) return;
    const copy = ip.slice();
    copy[8] = copy[8]! - 1;
    fixIpv4Checksum(copy);
    push(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy }), `copy of fragment ${i}`);
  });
  // The answer 1.5 s later: past the director's copy window, so a missing copy is certain.
  t += 1_500_000_000;
  fragments({ src: VIP, dst: CLIENT.ip, srcPort: 53, dstPort: clientPort, size: 2000, id: clientPort + 1, mtuPayload: 1480 }).forEach((ip, i) => {
    push(ethernet({ src: RS1.mac, dst: CLIENT.mac, etherType: EtherType.IPv4, payload: ip }), `reply fragment ${i}`);
  });
  return frames;
}

const given = buildGivenTopology({ vips: [`${VIP}:53/udp`], directorMacs: [DIRECTOR.mac], rs: [`${RS1.ip}=${RS1.mac}`] });

async function check(frames: TestFrame[], name: string): Promise<Awaited<ReturnType<typeof checkCaptures>>> {
  const path = join(dir, name);
  writeFileSync(path, toPcap(frames));
  return checkCaptures([path], { given });
}

describe('fragmented UDP through a DR director', () => {
  it('every fragment counts in its flow: three to the director, three forwarded, two replies; the flow passes', async () => {
    const r = await check(exchange(41000), 'whole.pcap');
    expect(r.summary.weirds).toEqual({});
    expect(r.captures[0]!.vantagePoint).toMatch(/^mirror/);
    expect(r.flows.map((f) => [f.client.port, f.proto, f.verdict, f.packets])).toEqual([
      [41000, 'udp', 'pass', { toDirector: 3, forwarded: 3, replies: 2, bypass: 0 }],
    ]);
    expect(r.findings).toEqual([]);
  });

  it('a later fragment the director did not forward is the one cited', async () => {
    const frames = exchange(41001, [1]);
    const r = await check(frames, 'dropped.pcap');
    const notForwarded = r.findings.filter((f) => f.rule === 'not-forwarded');
    expect(notForwarded).toHaveLength(1);
    const cited = notForwarded[0]!.frames[0]!;
    expect(frames[cited.frame - 1]!.note).toBe('client fragment 1');
    expect(r.flows[0]!.packets).toEqual({ toDirector: 3, forwarded: 2, replies: 2, bypass: 0 });
  });

  it('later fragments whose first fragment is not in the capture are not attributed to any flow', async () => {
    const frames = exchange(41002).filter((f) => f.note !== 'client fragment 0' && f.note !== 'copy of fragment 0');
    const r = await check(frames, 'headless.pcap');
    expect(r.flows.map((f) => f.packets)).toEqual([{ toDirector: 0, forwarded: 0, replies: 2, bypass: 0 }]);
  });
});
