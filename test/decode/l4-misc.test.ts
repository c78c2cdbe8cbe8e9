import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Encapsulation, Layer } from '../../src/decode/frame.js';
import { formatIpv4, formatIpv6 } from '../../src/decode/format.js';
import { MAC_A, MAC_B, arp, eth, ip6, ipv4, ipv6, mac, record, tcp, u16, u32, udp } from './build.js';

function decode(bytes: number[]): DecodedFrame {
  const f = new DecodedFrame();
  decodeFrame(record(bytes, 1), f);
  return f;
}
const E4 = eth(MAC_B, MAC_A, 0x0800);
const E6 = eth(MAC_B, MAC_A, 0x86dd);
const EA = eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806);

describe('ARP', () => {
  it('Ethernet/IPv4 request and reply', () => {
    const f = decode([...EA, ...arp(2, MAC_A, '10.0.0.100', MAC_B, '10.0.0.1')]);
    expect([f.hasArp, f.arpIsEthIpv4, f.arpOp]).toEqual([true, true, 2]);
    expect([f.arpSenderMac, formatIpv4(f.arpSenderIp), f.arpTargetMac, formatIpv4(f.arpTargetIp)]).toEqual([
      0x000c2950d563, '10.0.0.100', 0x525400123456, '10.0.0.1',
    ]);
  });
  it('other hardware/protocol types: op only', () => {
    // htype 6 (IEEE 802), ptype 0x86dd with 16-byte addresses: valid sizes, not Ethernet/IPv4
    const body = [0, 6, 0x86, 0xdd, 6, 16, ...u16(1), ...mac(MAC_A), ...ip6('::1'), ...mac(MAC_B), ...ip6('::2')];
    const f = decode([...EA, ...body]);
    expect([f.hasArp, f.arpIsEthIpv4, f.arpOp, f.arpSenderMac, f.malformed]).toEqual([true, false, 1, -1, false]);
  });
  it('odd sizes for Ethernet/IPv4 are malformed', () => {
    const body = [0, 1, 8, 0, 14, 4, ...u16(1), ...new Array(36).fill(0x30)]; // htype Ethernet with hlen 14
    const f = decode([...EA, ...body]);
    expect([f.arpOp, f.malformed, f.malformedLayer, f.weird, f.arpSenderIp]).toEqual([1, true, Layer.Arp, 'arp_bad_address_sizes', -1]);
    const zero = decode([...EA, 0, 1, 8, 0, 6, 0, ...u16(1), ...new Array(12).fill(0)]);
    expect(zero.weird).toBe('arp_bad_address_sizes');
  });
  it('sizes running past the wire frame are malformed; past the snaplen, truncated', () => {
    const body = [0, 1, 8, 0, 200, 200, ...u16(1), 1, 2, 3];
    expect(decode([...EA, ...body]).weird).toBe('arp_length_exceeds_packet');
    const full = [...EA, ...arp(1, MAC_A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')];
    const f = new DecodedFrame();
    decodeFrame(record(full.slice(0, 30), 1, full.length), f);
    expect([f.truncated, f.truncatedLayer, f.weird, f.arpOp, f.arpSenderMac]).toEqual([true, Layer.Arp, 'truncated_arp', 1, -1]);
  });
});

describe('ICMP', () => {
  it('echo: type and code only', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1 }, [8, 0, 0, 0, 0, 1, 0, 1])]);
    expect([f.icmpType, f.icmpCode, f.icmpQuotedSrc, f.srcPort]).toEqual([8, 0, -1, -1]);
  });
  for (const type of [3, 4, 5, 11, 12]) {
    it(`error type ${type}: quoted header and ports`, () => {
      const quoted = ipv4({ src: '10.0.0.100', dst: '192.0.2.9', proto: 6 }, tcp(80, 40000, 0x12)).slice(0, 28);
      const f = decode([...E4, ...ipv4({ src: '10.0.0.254', dst: '10.0.0.100', proto: 1 }, [type, 4, 0, 0, 0, 0, 0x05, 0xdc, ...quoted])]);
      expect([f.icmpType, f.icmpCode, formatIpv4(f.icmpQuotedSrc), formatIpv4(f.icmpQuotedDst)]).toEqual([type, 4, '10.0.0.100', '192.0.2.9']);
      expect([f.icmpQuotedProto, f.icmpQuotedSrcPort, f.icmpQuotedDstPort, f.srcPort]).toEqual([6, 80, 40000, -1]);
    });
  }
  it('a quote too short for the ports keeps the addresses, without flagging the frame', () => {
    const quoted = ipv4({ src: '10.0.0.100', dst: '192.0.2.9', proto: 17 }, udp(53, 5353)).slice(0, 22);
    const f = decode([...E4, ...ipv4({ src: '10.0.0.254', dst: '10.0.0.100', proto: 1 }, [3, 3, 0, 0, 0, 0, 0, 0, ...quoted])]);
    expect([f.icmpQuotedProto, f.icmpQuotedSrcPort, f.truncated, f.malformed]).toEqual([17, -1, false, false]);
  });
});

describe('ICMPv6 neighbor discovery', () => {
  it('NS with a source link-layer address option', () => {
    const ns = [135, 0, 0, 0, 0, 0, 0, 0, ...ip6('2001:db8::100'), 1, 1, ...mac(MAC_A)];
    const f = decode([...E6, ...ipv6('2001:db8::1', 'ff02::1:ff00:100', 58, ns, 255)]);
    expect([f.icmpType, f.icmpCode, f.ndType, formatIpv6(f.ndTarget), f.ndFlags, f.ndLinkAddr]).toEqual([
      135, 0, 135, '2001:db8::100', -1, 0x000c2950d563,
    ]);
  });
  it('NA flags and target link-layer address option', () => {
    const na = [136, 0, 0, 0, 0x60, 0, 0, 0, ...ip6('2001:db8::100'), 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, ...mac(MAC_B)];
    const f = decode([...E6, ...ipv6('2001:db8::100', '2001:db8::1', 58, na, 255)]);
    expect([f.ndType, f.ndFlags, f.ndLinkAddr]).toEqual([136, 0x60, 0x525400123456]);
  });
  it('other ICMPv6 types: type/code only', () => {
    const f = decode([...E6, ...ipv6('::1', '::2', 58, [128, 0, 0, 0, 0, 1, 0, 1])]);
    expect([f.icmpType, f.ndType]).toEqual([128, -1]);
  });
  it('a zero-length option is malformed', () => {
    const ns = [135, 0, 0, 0, 0, 0, 0, 0, ...ip6('2001:db8::100'), 1, 0, 0, 0, 0, 0, 0, 0];
    const f = decode([...E6, ...ipv6('::1', '::2', 58, ns)]);
    expect([f.ndType, f.malformed, f.weird]).toEqual([135, true, 'nd_option_zero_length']);
  });
});

describe('tunnels', () => {
  const inner = ipv4({ src: '192.0.2.1', dst: '10.0.0.100', proto: 6 }, tcp(40000, 80, 0x02));
  function expectInner(f: DecodedFrame, enc: number): void {
    expect(f.encapsulation).toBe(enc);
    expect([f.innerIpVersion, formatIpv4(f.innerIpSrc), formatIpv4(f.innerIpDst), f.innerIpProto, f.innerSrcPort, f.innerDstPort]).toEqual([
      4, '192.0.2.1', '10.0.0.100', 6, 40000, 80,
    ]);
  }
  it('IPIP (proto 4), as an IPVS tunnel-mode director sends it', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 4 }, inner)]);
    expectInner(f, Encapsulation.IpInIp);
    expect([formatIpv4(f.ipSrc), f.ipProto, f.srcPort]).toEqual(['10.0.0.2', 4, -1]);
  });
  it('IPv4 in IPv6 (next header 4) and IPv6 in IPv4 (proto 41)', () => {
    expectInner(decode([...E6, ...ipv6('2001:db8::1', '2001:db8::2', 4, inner)]), Encapsulation.IpInIp);
    const f = decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 41 }, ipv6('::1', '::2', 17, udp(1, 2)))]);
    expect([f.encapsulation, f.innerIpVersion, f.innerIpProto, f.innerSrcPort, f.innerIpSrc]).toEqual([Encapsulation.IpInIp, 6, 17, 1, -1]);
  });
  it('GRE with checksum, key and sequence number', () => {
    const gre = [0xb0, 0x00, ...u16(0x0800), 0, 0, 0, 0, ...u32(42), ...u32(7)];
    expectInner(decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 47 }, [...gre, ...inner])]), Encapsulation.Gre);
  });
  it('plain GRE; GRE version 1 (PPTP) is not followed', () => {
    expectInner(decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 47 }, [0, 0, 8, 0, ...inner])]), Encapsulation.Gre);
    const pptp = decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 47 }, [0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0, 1])]);
    expect(pptp.encapsulation).toBe(Encapsulation.None);
  });
  it('GUE version 0 and version 1 on UDP 6080', () => {
    const v0 = decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 17 }, udp(50000, 6080, [0, 4, 0, 0, ...inner]))]);
    expectInner(v0, Encapsulation.Gue);
    expect([v0.srcPort, v0.dstPort]).toEqual([50000, 6080]);
    expectInner(decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 17 }, udp(50000, 6080, inner))]), Encapsulation.Gue);
  });
  it('a cut inner header is truncated at the inner layer', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 4 }, inner.slice(0, 12))]);
    expect([f.encapsulation, f.truncated, f.truncatedLayer, f.weird, f.innerIpSrc]).toEqual([Encapsulation.IpInIp, true, Layer.Inner, 'truncated_inner_ip', -1]);
  });
});
