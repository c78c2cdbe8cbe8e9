/**
 * Truncation at every byte length, stale state between frames, and random bytes: the decoder
 * must decode every complete header, say which layer was cut, never throw, and never let a
 * field of the previous frame survive into the next.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Layer, type LayerId } from '../../src/decode/frame.js';
import { MAC_A, MAC_B, arp, eth, ip6, ipv4, ipv6, mac, record, tcp, u16, udp, vrrp } from './build.js';

/** A fresh frame, to compare against: every field "absent". */
function snapshot(f: DecodedFrame): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === 'data') continue;
    out[k] = v instanceof Uint8Array ? Array.from(v) : v;
  }
  return out;
}

function decodeFresh(bytes: number[], linkType = 1, originalLength?: number): DecodedFrame {
  const f = new DecodedFrame();
  decodeFrame(record(bytes, linkType, originalLength), f);
  return f;
}

interface CutCase {
  name: string;
  bytes: number[];
  linkType: number;
  /** [header end offset, layer cut when the frame ends before it]; in order. */
  layers: Array<[number, LayerId]>;
}

const TCP4 = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcp(1, 2, 0x18, [1, 2, 3, 4]))];
const VLAN_UDP6 = [
  ...mac(MAC_B), ...mac(MAC_A), ...u16(0x8100), ...u16(10), ...u16(0x86dd),
  ...ipv6('2001:db8::1', '2001:db8::2', 17, udp(1, 2, [9, 9])),
];
const ARP = [...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806), ...arp(1, MAC_A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')];
const SLL_TCP4 = [...u16(0), ...u16(1), ...u16(6), ...mac(MAC_A), 0, 0, ...u16(0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcp(1, 2, 0x10))];
const NS = [
  ...eth(MAC_B, MAC_A, 0x86dd),
  ...ipv6('2001:db8::1', 'ff02::1:ff00:100', 58, [135, 0, 0, 0, 0, 0, 0, 0, ...ip6('2001:db8::100'), 1, 1, ...mac(MAC_A)], 255),
];

const VRRP2 = [
  ...eth('01:00:5e:00:00:12', MAC_A, 0x0800),
  ...ipv4({ src: '10.0.0.1', dst: '224.0.0.18', proto: 112, ttl: 255 }, vrrp({ version: 2, vrid: 51, priority: 150, interval: 1, addresses: ['10.0.0.100', '10.0.0.101'] })),
];
const VRRP3_6 = [
  ...eth('33:33:00:00:00:12', MAC_A, 0x86dd),
  ...ipv6('fe80::1', 'ff02::12', 112, vrrp({ version: 3, vrid: 7, priority: 100, interval: 100, addresses: ['fe80::100', '2001:db8::100'], src: 'fe80::1', dst: 'ff02::12' }), 255),
];

const CASES: CutCase[] = [
  { name: 'Ethernet/IPv4/TCP', bytes: TCP4, linkType: 1, layers: [[14, Layer.Link], [34, Layer.IPv4], [54, Layer.Tcp]] },
  { name: 'VLAN/IPv6/UDP', bytes: VLAN_UDP6, linkType: 1, layers: [[14, Layer.Link], [18, Layer.Vlan], [58, Layer.IPv6], [66, Layer.Udp]] },
  { name: 'Ethernet/ARP', bytes: ARP, linkType: 1, layers: [[14, Layer.Link], [42, Layer.Arp]] },
  { name: 'SLL/IPv4/TCP', bytes: SLL_TCP4, linkType: 113, layers: [[16, Layer.Link], [36, Layer.IPv4], [56, Layer.Tcp]] },
  { name: 'Ethernet/IPv6/NS', bytes: NS, linkType: 1, layers: [[14, Layer.Link], [54, Layer.IPv6], [78, Layer.Icmpv6]] },
  // The addresses are part of the VRRP layer; version 2's authentication data after them is not read.
  { name: 'Ethernet/IPv4/VRRPv2', bytes: VRRP2, linkType: 1, layers: [[14, Layer.Link], [34, Layer.IPv4], [50, Layer.Vrrp]] },
  { name: 'Ethernet/IPv6/VRRPv3', bytes: VRRP3_6, linkType: 1, layers: [[14, Layer.Link], [54, Layer.IPv6], [94, Layer.Vrrp]] },
];

const INNER = ipv4({ src: '192.0.2.1', dst: '10.0.0.100', proto: 6 }, tcp(40000, 80, 0x02));
/** More frames for the reuse property: ICMP errors, tunnels, NA, IPv6 fragments. */
const MORE: Array<{ bytes: number[]; linkType: number }> = [
  { bytes: [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.254', dst: '10.0.0.100', proto: 1 }, [3, 4, 0, 0, 0, 0, 5, 0xdc, ...INNER.slice(0, 28)])], linkType: 1 },
  { bytes: [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 4 }, INNER)], linkType: 1 },
  { bytes: [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 47 }, [0x20, 0, 8, 0, 0, 0, 0, 1, ...INNER])], linkType: 1 },
  { bytes: [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 17 }, udp(1, 6080, [0, 4, 0, 0, ...INNER]))], linkType: 1 },
  { bytes: [...eth(MAC_B, MAC_A, 0x86dd), ...ipv6('2001:db8::100', '2001:db8::1', 58, [136, 0, 0, 0, 0x60, 0, 0, 0, ...ip6('2001:db8::100'), 2, 1, ...mac(MAC_A)], 255)], linkType: 1 },
  { bytes: [...eth(MAC_B, MAC_A, 0x86dd), ...ipv6('::1', '::2', 44, [6, 0, 0, 1, 0, 0, 0, 9, ...tcp(1, 2, 0x10)])], linkType: 1 },
];

describe('truncation at every byte length', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const full = decodeFresh(c.bytes, c.linkType);
      expect(full.truncated).toBe(false);
      expect(full.malformed).toBe(false);
      for (let len = 0; len <= c.bytes.length; len++) {
        const f = decodeFresh(c.bytes.slice(0, len), c.linkType, c.bytes.length);
        const cut = c.layers.find(([end]) => len < end);
        if (cut === undefined) {
          expect(f.truncated, `len ${len}`).toBe(false);
        } else {
          expect([len, f.truncated, f.truncatedLayer], `len ${len}`).toEqual([len, true, cut[1]]);
          expect(f.weird.startsWith('truncated_'), `len ${len}`).toBe(true);
        }
        expect(f.malformed, `len ${len}`).toBe(false);
        // Every complete header before the cut is decoded as in the full frame.
        if (len >= c.layers[0]![0]) {
          expect(f.ethSrc).toBe(full.ethSrc);
          // Inside a cut VLAN tag the EtherType is still the tag's TPID.
          if (f.truncatedLayer !== Layer.Vlan) expect(f.etherType).toBe(full.etherType);
        }
        if (c.layers.length > 2 && len >= c.layers[c.layers.length - 2]![0]) {
          expect([f.ipSrc, f.ipTtl, f.arpOp]).toEqual([full.ipSrc, full.ipTtl, full.arpOp]);
        }
      }
    });
  }
});

describe('no stale state', () => {
  const shorts: Array<[string, number[], number]> = [
    ['runt Ethernet', [1, 2, 3], 1],
    ['Ethernet only', eth(MAC_B, MAC_A, 0x9999), 1],
    ['IPv4 ICMP echo', [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 1 }, [8, 0, 0, 0, 0, 0, 0, 0])], 1],
    ['raw empty', [], 101],
    ['unsupported link', [1, 2, 3, 4], 147],
  ];
  for (const [fullName, bytes, lt] of CASES.map((c) => [c.name, c.bytes, c.linkType] as const)) {
    for (const [shortName, short, slt] of shorts) {
      it(`${fullName} then ${shortName}`, () => {
        const reused = new DecodedFrame();
        decodeFrame(record(bytes, lt), reused);
        decodeFrame(record(short, slt), reused);
        const fresh = decodeFresh(short, slt);
        expect(snapshot(reused)).toEqual(snapshot(fresh));
      });
    }
  }
  it('reset() restores every field of a new frame', () => {
    const f = new DecodedFrame();
    const pristine = snapshot(f);
    decodeFrame(record(NS, 1), f);
    f.reset();
    const after = snapshot(f);
    // The record fields are copied by decodeFrame, not reset.
    for (const k of ['frameNumber', 'tsSeconds', 'tsNanos', 'interfaceId', 'linkType', 'capturedLength', 'originalLength', 'offset']) {
      delete after[k];
      delete pristine[k];
    }
    expect(after).toEqual(pristine);
  });
});

describe('random bytes', () => {
  it('never throws, on any link type, and is deterministic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0, 1, 12, 101, 108, 113, 228, 229, 276), (bytes, lt) => {
        const a = decodeFresh(Array.from(bytes), lt);
        const b = new DecodedFrame();
        decodeFrame(record(Array.from(bytes), lt), b);
        expect(snapshot(a)).toEqual(snapshot(b));
      }),
      { numRuns: 3000 },
    );
  });
  it('a reused frame ends exactly like a fresh one, whatever came before', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...CASES, ...MORE), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat())
      .map(([c, pos, val, cut]) => {
        const bytes = c.bytes.slice();
        bytes[pos % bytes.length] = val;
        return { bytes: bytes.slice(0, bytes.length - (cut % 8)), linkType: c.linkType };
      });
    const reused = new DecodedFrame();
    fc.assert(
      fc.property(mutated, mutated, (a, b) => {
        decodeFrame(record(a.bytes, a.linkType), reused);
        decodeFrame(record(b.bytes, b.linkType), reused);
        expect(snapshot(reused)).toEqual(snapshot(decodeFresh(b.bytes, b.linkType)));
      }),
      { numRuns: 3000 },
    );
  });
  it('mutated valid frames never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CASES), fc.nat(), fc.integer({ min: 0, max: 255 }), (c, pos, val) => {
        const bytes = c.bytes.slice();
        bytes[pos % bytes.length] = val;
        decodeFresh(bytes, c.linkType);
      }),
      { numRuns: 3000 },
    );
  });
});
