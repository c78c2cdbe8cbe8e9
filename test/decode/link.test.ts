import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Layer } from '../../src/decode/frame.js';
import { formatIpv4 } from '../../src/decode/format.js';
import { MAC_A, MAC_B, arp, eth, ipv4, ipv6, mac, record, tcp, u16, u32, vlanTag } from './build.js';

const TCP_V4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto: 6 }, tcp(40000, 80, 0x02));

function decode(bytes: number[], linkType = 1, frame = new DecodedFrame()): DecodedFrame {
  decodeFrame(record(bytes, linkType), frame);
  return frame;
}

describe('record fields', () => {
  it('copies the record into the frame', () => {
    const r = record([...eth(MAC_B, MAC_A, 0x0800), ...TCP_V4], 1, 1514, 42);
    r.interfaceId = 3;
    const f = new DecodedFrame();
    decodeFrame(r, f);
    expect([f.frameNumber, f.tsSeconds, f.tsNanos, f.interfaceId, f.linkType, f.capturedLength, f.originalLength]).toEqual([
      42, 1700000000, 123456789, 3, 1, 54, 1514,
    ]);
    expect(f.data).toBe(r.data);
    expect(f.offset).toBe(r.offset);
  });
});

describe('Ethernet and VLAN stacks', () => {
  it('decodes Ethernet II', () => {
    const f = decode([...eth(MAC_B, MAC_A, 0x0800), ...TCP_V4]);
    expect(f.ethDst).toBe(0x525400123456);
    expect(f.ethSrc).toBe(0x000c2950d563);
    expect(f.etherType).toBe(0x0800);
    expect(f.vlanCount).toBe(0);
    expect(f.ipVersion).toBe(4);
    expect(f.dstPort).toBe(80);
  });
  const stacks: Array<[string, number[], number, number, number]> = [
    // name, tag bytes after the MACs, count, outer id, inner id
    ['802.1Q', [...u16(0x8100), ...vlanTag(100, 0x0800)], 1, 100, -1],
    ['802.1ad + 802.1Q', [...u16(0x88a8), ...vlanTag(200, 0x8100), ...vlanTag(2001, 0x0800)], 2, 200, 2001],
    ['0x9100 QinQ', [...u16(0x9100), ...vlanTag(7, 0x8100), ...vlanTag(8, 0x0800)], 2, 7, 8],
    ['three tags', [...u16(0x88a8), ...vlanTag(1, 0x8100), ...vlanTag(2, 0x8100), ...vlanTag(3, 0x0800)], 3, 1, 2],
  ];
  for (const [name, tags, count, outer, inner] of stacks) {
    it(name, () => {
      const f = decode([...mac(MAC_B), ...mac(MAC_A), ...tags, ...TCP_V4]);
      expect([f.vlanCount, f.vlanOuter, f.vlanInner, f.etherType]).toEqual([count, outer, inner, 0x0800]);
      expect(formatIpv4(f.ipSrc)).toBe('10.0.0.1');
      expect(f.srcPort).toBe(40000);
    });
  }
  it('leaves an 802.3 length frame without an EtherType, as tshark shows eth.len', () => {
    const f = decode([...eth(MAC_B, MAC_A, 46), 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, ...TCP_V4]);
    expect(f.ethSrc).toBe(0x000c2950d563);
    expect(f.etherType).toBe(-1);
    expect(f.ipVersion).toBe(0);
    expect(f.truncated || f.malformed).toBe(false);
  });
  it('treats 0x05dc (1500) as a length and 0x0600 as a type', () => {
    expect(decode(eth(MAC_B, MAC_A, 1500)).etherType).toBe(-1);
    expect(decode(eth(MAC_B, MAC_A, 0x0600)).etherType).toBe(0x0600);
  });
  it('decodes ARP under a VLAN tag', () => {
    const f = decode([...mac(MAC_B), ...mac(MAC_A), ...u16(0x8100), ...vlanTag(5, 0x0806), ...arp(2, MAC_A, '10.0.0.100', MAC_B, '10.0.0.1')]);
    expect(f.vlanOuter).toBe(5);
    expect(f.arpOp).toBe(2);
  });
});

describe('Linux cooked capture', () => {
  it('SLL (113): pkttype, sender MAC when 6 bytes, protocol', () => {
    const hdr = [
      ...u16(4), // packet type: outgoing
      ...u16(1), // ARPHRD_ETHER
      ...u16(6), // address length
      ...mac(MAC_A), 0, 0, // address, padded to 8
      ...u16(0x0800), // protocol
    ];
    const f = decode([...hdr, ...TCP_V4], 113);
    expect([f.sllPacketType, f.ethSrc, f.ethDst, f.etherType, f.sllIfIndex]).toEqual([4, 0x000c2950d563, -1, 0x0800, -1]);
    expect(f.srcPort).toBe(40000);
  });
  it('SLL with a non-6-byte address has no ethSrc', () => {
    const hdr = [...u16(0), ...u16(778), ...u16(0), 0, 0, 0, 0, 0, 0, 0, 0, ...u16(0x86dd)];
    const f = decode([...hdr, ...ipv6('2001:db8::1', '2001:db8::2', 59, [])], 113);
    expect(f.ethSrc).toBe(-1);
    expect(f.ipVersion).toBe(6);
  });
  it('SLL2 (276): protocol, ifindex, pkttype, sender MAC', () => {
    const hdr = [
      ...u16(0x0800), // protocol
      0, 0, // reserved
      ...u32(7), // interface index
      ...u16(1), // ARPHRD_ETHER
      0, // packet type: to us
      6, // address length
      ...mac(MAC_B), 0, 0,
    ];
    const f = decode([...hdr, ...TCP_V4], 276);
    expect([f.etherType, f.sllIfIndex, f.sllPacketType, f.ethSrc]).toEqual([0x0800, 7, 0, 0x525400123456]);
    expect(f.dstPort).toBe(80);
  });
  it('SLL netlink frames are not IP', () => {
    const hdr = [...u16(4), ...u16(824), ...u16(0), 0, 0, 0, 0, 0, 0, 0, 0, ...u16(0x0000)];
    const f = decode([...hdr, ...TCP_V4], 113);
    expect(f.ipVersion).toBe(0);
  });
});

describe('raw IP and loopback link types', () => {
  for (const lt of [101, 12, 14]) {
    it(`raw IP (${lt}) picks the version from the first nibble`, () => {
      expect(decode(TCP_V4, lt).ipVersion).toBe(4);
      expect(decode(ipv6('::1', '::2', 59, []), lt).ipVersion).toBe(6);
    });
  }
  it('228 is IPv4, 229 IPv6', () => {
    expect(decode(TCP_V4, 228).srcPort).toBe(40000);
    expect(decode(ipv6('::1', '::2', 6, tcp(1, 2, 0x10)), 229).dstPort).toBe(2);
  });
  it('null (0) in either byte order, loop (108) big-endian', () => {
    expect(decode([2, 0, 0, 0, ...TCP_V4], 0).ipVersion).toBe(4); // little-endian AF_INET
    expect(decode([0, 0, 0, 2, ...TCP_V4], 0).ipVersion).toBe(4); // big-endian AF_INET
    expect(decode([30, 0, 0, 0, ...ipv6('::1', '::2', 59, [])], 0).ipVersion).toBe(6); // Darwin AF_INET6
    expect(decode([0, 0, 0, 24, ...ipv6('::1', '::2', 59, [])], 108).ipVersion).toBe(6); // OpenBSD AF_INET6
    expect(decode([0, 0, 0, 2, ...TCP_V4], 108).ipVersion).toBe(4);
    expect(decode([0, 0, 0, 7, ...TCP_V4], 108).ipVersion).toBe(0); // unknown family
  });
  it('flags other link types as unsupported and decodes nothing', () => {
    const f = decode([...eth(MAC_B, MAC_A, 0x0800), ...TCP_V4], 105);
    expect(f.unsupportedLink).toBe(true);
    expect(f.ethSrc).toBe(-1);
    expect(f.ipVersion).toBe(0);
  });
  it('a zero-length raw frame is truncated at the link layer', () => {
    const f = decode([], 101);
    expect(f.truncated).toBe(true);
    expect(f.truncatedLayer).toBe(Layer.Link);
  });
});

describe('Cisco FabricPath', () => {
  const inner = [...eth(MAC_B, MAC_A, 0x0800), ...TCP_V4];
  const switches = [...mac('02:00:0c:00:01:00'), ...mac('02:00:0c:00:02:00')];
  it('the host frame inside is decoded, its FCS left out', () => {
    const f = decode([...switches, ...u16(0x8903), 0x04, 0x3f, ...inner, 0xde, 0xad, 0xbe, 0xef]);
    expect([f.ethSrc, f.ethDst, f.etherType, f.vlanCount, f.srcPort, f.dstPort, f.malformed, f.truncated]).toEqual([0x000c2950d563, 0x525400123456, 0x0800, 0, 40000, 80, false, false]);
  });
  it('with an 802.1Q tag in the switch header: that tag is the fabric\'s, not the host\'s', () => {
    const f = decode([...switches, ...u16(0x8100), ...u16(7), ...u16(0x8903), 0x04, 0x3f, ...eth(MAC_B, MAC_A, 0x8100), ...vlanTag(12, 0x0800), ...TCP_V4, 0, 0, 0, 0]);
    expect([f.ethSrc, f.vlanCount, f.vlanOuter, f.etherType, f.dstPort]).toEqual([0x000c2950d563, 1, 12, 0x0800, 80]);
  });
  it('a switch header cut short is truncated; a frame too short for a host frame is malformed', () => {
    const cut = new DecodedFrame();
    decodeFrame(record([...switches, ...u16(0x8903)], 1, 200), cut);
    expect([cut.truncated, cut.weird]).toEqual([true, 'truncated_fabricpath']);
    const short = decode([...switches, ...u16(0x8903), 0x04, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect([short.malformed, short.weird, short.ipVersion]).toEqual([true, 'fabricpath_frame_too_short', 0]);
  });
});
