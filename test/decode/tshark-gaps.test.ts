/**
 * Differential test against tshark on captures built here, for the frames where a single-packet
 * decoder is easiest to get wrong: RARP (Ethernet, SLL, SLL2), ARP with other address sizes, the
 * first fragment of a fragmented IPv4 packet (also behind VLAN tags), TCP and UDP headers cut
 * short with their ports present, and Cisco FabricPath. Unlike the corpus test, no difference is
 * explained away here: every field tshark shows must be ours too, with the same value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap, type PcapFrame } from '../../src/capture/pcap-writer.js';
import { MAC_A, MAC_B, arp, arpRaw, eth, fabricPath, ip4, ipv4, mac, sll, sll2, tcp, u16, udp, vlanTag } from './build.js';
import { tsharkAvailable, tsharkDiff } from './tshark-diff.js';

const CLIENT = '10.0.0.1';
const VIP = '10.0.0.100';
const SYN = 0x02;
const PSH_ACK = 0x18;

/** Frames of one link type, each with its wire length when the snaplen cut it. */
type Built = Array<{ bytes: number[]; wire?: number; what: string }>;

function ethernetFrames(): Built {
  const out: Built = [];
  const add = (what: string, bytes: number[], wire?: number): void => void out.push({ bytes, what, ...(wire !== undefined ? { wire } : {}) });
  const rarp = (op: number): number[] => arpRaw(1, 0x0800, op, mac(MAC_A), ip4('0.0.0.0'), mac(MAC_A), ip4('0.0.0.0'));
  add('RARP request', [...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x8035), ...rarp(3), ...new Array<number>(18).fill(0)]);
  add('RARP reply', [...eth(MAC_A, MAC_B, 0x8035), ...arpRaw(1, 0x0800, 4, mac(MAC_B), ip4(VIP), mac(MAC_A), ip4(CLIENT))]);
  add('ARP with 8-byte hardware addresses', [...eth(MAC_B, MAC_A, 0x0806), ...arpRaw(1, 0x0800, 1, [...mac(MAC_A), 1, 2], ip4(CLIENT), [0, 0, 0, 0, 0, 0, 0, 0], ip4(VIP))]);
  add('ARP with IEEE 802 hardware type', [...eth(MAC_B, MAC_A, 0x0806), ...arpRaw(6, 0x0800, 2, mac(MAC_A), ip4(VIP), mac(MAC_B), ip4(CLIENT))]);
  add('ARP with 16-byte protocol addresses', [...eth(MAC_B, MAC_A, 0x0806), ...arpRaw(1, 0x86dd, 1, mac(MAC_A), new Array<number>(16).fill(1), mac(MAC_B), new Array<number>(16).fill(2))]);
  add('ARP, padded as Ethernet pads it', [...eth(MAC_B, MAC_A, 0x0806), ...arp(1, MAC_A, CLIENT, '00:00:00:00:00:00', VIP), ...new Array<number>(18).fill(0)]);
  const first = (proto: number, l4: number[]): number[] => ipv4({ src: CLIENT, dst: VIP, proto, mf: true, id: 0x4242 }, l4);
  const segment = tcp(40000, 80, PSH_ACK, new Array<number>(24).fill(0x61));
  add('first fragment, TCP', [...eth(MAC_B, MAC_A, 0x0800), ...first(6, segment)]);
  add('first fragment, TCP header cut at 8 bytes', [...eth(MAC_B, MAC_A, 0x0800), ...first(6, segment.slice(0, 8))]);
  add('first fragment, TCP header cut at 16 bytes', [...eth(MAC_B, MAC_A, 0x0800), ...first(6, segment.slice(0, 16))]);
  const datagram = udp(40001, 53, new Array<number>(40).fill(0x62), 8 + 1400);
  add('first fragment, UDP', [...eth(MAC_B, MAC_A, 0x0800), ...first(17, datagram.slice(0, 32))]);
  add('first fragment, UDP, 802.1Q', [...eth(MAC_B, MAC_A, 0x8100), ...vlanTag(10, 0x0800), ...first(17, datagram.slice(0, 32))]);
  add('first fragment, UDP, QinQ', [...eth(MAC_B, MAC_A, 0x88a8), ...vlanTag(20, 0x8100), ...vlanTag(10, 0x0800), ...first(17, datagram.slice(0, 32))]);
  add('first fragment, UDP header cut at 4 bytes', [...eth(MAC_B, MAC_A, 0x0800), ...first(17, datagram.slice(0, 4))]);
  add('later fragment, UDP', [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 17, fragOffset: 32, id: 0x4242 }, new Array<number>(24).fill(0x63))]);
  const whole = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 6 }, tcp(40002, 80, SYN, [1, 2, 3, 4]))];
  for (const cut of [4, 8, 14, 16, 18]) add(`TCP header cut at ${cut} bytes by the snaplen`, whole.slice(0, 34 + cut), whole.length);
  const dns = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 17 }, udp(40003, 53, [9, 9, 9, 9]))];
  for (const cut of [2, 4, 6]) add(`UDP header cut at ${cut} bytes by the snaplen`, dns.slice(0, 34 + cut), dns.length);
  const inner = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 6 }, tcp(40004, 80, SYN))];
  add('FabricPath, TCP', [...fabricPath(inner)]);
  add('FabricPath with an 802.1Q tag, TCP', [...fabricPath(inner, { vlan: 30 })]);
  add('FabricPath, ARP', [...fabricPath([...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806), ...arp(1, MAC_A, CLIENT, '00:00:00:00:00:00', VIP)])]);
  add('FabricPath, 802.1Q inside', [...fabricPath([...eth(MAC_B, MAC_A, 0x8100), ...vlanTag(40, 0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 17 }, udp(40005, 53))])]);
  return out;
}

function cookedFrames(header: (protocol: number) => number[]): Built {
  return [
    { what: 'RARP request', bytes: [...header(0x8035), ...arpRaw(1, 0x0800, 3, mac(MAC_A), ip4('0.0.0.0'), mac(MAC_A), ip4('0.0.0.0'))] },
    { what: 'RARP reply', bytes: [...header(0x8035), ...arpRaw(1, 0x0800, 4, mac(MAC_B), ip4(VIP), mac(MAC_A), ip4(CLIENT))] },
    { what: 'ARP reply', bytes: [...header(0x0806), ...arp(2, MAC_B, VIP, MAC_A, CLIENT)] },
    { what: 'first fragment, UDP', bytes: [...header(0x0800), ...ipv4({ src: CLIENT, dst: VIP, proto: 17, mf: true }, udp(40006, 53, new Array<number>(16).fill(1), 1000))] },
  ];
}

const dir = mkdtempSync(join(tmpdir(), 'lvs-tshark-gaps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, frames: Built, linkType: number): string {
  const pcap: PcapFrame[] = frames.map((f, i) => ({ tsSeconds: 1_700_000_000 + i, tsNanos: 0, data: Uint8Array.from(f.bytes), ...(f.wire !== undefined ? { originalLength: f.wire } : {}) }));
  const path = join(dir, name);
  writeFileSync(path, encodePcap(pcap, { linkType }));
  return path;
}

const cases: Array<[string, Built, number]> = [
  ['Ethernet', ethernetFrames(), 1],
  ['Linux cooked v1', cookedFrames((p) => sll(p, MAC_A)), 113],
  ['Linux cooked v2', cookedFrames((p) => sll2(p, MAC_A)), 276],
];

describe.skipIf(!tsharkAvailable())('tshark differential: frames a DR decoder gets wrong easily', () => {
  it.each(cases)('%s: every field tshark shows, with its value', async (name, frames, linkType) => {
    const r = await tsharkDiff(write(`${name.replace(/\W+/g, '-')}.pcap`, frames, linkType));
    expect(r.frames).toBe(frames.length);
    expect(r.issues).toEqual([]);
    const named = r.differences.map((d) => `#${d.frame} ${frames[d.frame - 1]?.what}: ${d.field} ${d.kind} ours=${d.ours} tshark=${d.theirs}`);
    expect(named).toEqual([]);
    expect(r.matched).toBeGreaterThan(frames.length * 3);
  });
});
