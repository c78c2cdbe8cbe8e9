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
  it('other hardware/protocol types: the addresses that have a MAC or IPv4 size, never a binding', () => {
    // htype 6 (IEEE 802), ptype 0x86dd with 16-byte addresses: the MACs only
    const body = [0, 6, 0x86, 0xdd, 6, 16, ...u16(1), ...mac(MAC_A), ...ip6('::1'), ...mac(MAC_B), ...ip6('::2')];
    const f = decode([...EA, ...body]);
    expect([f.hasArp, f.arpIsEthIpv4, f.arpOp, f.arpSenderMac, f.arpTargetMac, f.arpSenderIp, f.malformed]).toEqual([true, false, 1, 0x000c2950d563, 0x525400123456, -1, false]);
  });
  it('IEEE 802 hardware type with IPv4 is a binding, as Linux takes it on Ethernet', () => {
    const body = [0, 6, 8, 0, 6, 4, ...u16(2), ...mac(MAC_A), 10, 0, 0, 100, ...mac(MAC_B), 10, 0, 0, 1];
    const f = decode([...EA, ...body]);
    expect([f.arpIsEthIpv4, f.arpSenderMac, formatIpv4(f.arpSenderIp), f.arpTargetMac, formatIpv4(f.arpTargetIp)]).toEqual([true, 0x000c2950d563, '10.0.0.100', 0x525400123456, '10.0.0.1']);
  });
  it('other sizes for Ethernet/IPv4 that the frame holds: decoded as far as tshark does, no fault', () => {
    // htype Ethernet with hlen 14: the IPv4 addresses sit after 14-byte hardware addresses
    const body = [0, 1, 8, 0, 14, 4, ...u16(1), ...new Array<number>(14).fill(0x30), 10, 0, 0, 1, ...new Array<number>(14).fill(0x31), 10, 0, 0, 2];
    const f = decode([...EA, ...body]);
    expect([f.arpOp, f.malformed, f.weird, f.arpIsEthIpv4, f.arpSenderMac, formatIpv4(f.arpSenderIp), formatIpv4(f.arpTargetIp)]).toEqual([1, false, '', false, -1, '10.0.0.1', '10.0.0.2']);
    const zero = decode([...EA, 0, 1, 8, 0, 6, 0, ...u16(1), ...new Array<number>(12).fill(0)]);
    // protocol addresses of 0 bytes: the MACs (all zero here) and nothing else
    expect([zero.malformed, zero.weird, zero.arpIsEthIpv4, zero.arpSenderMac, zero.arpSenderIp]).toEqual([false, '', false, 0, -1]);
  });
  it('RARP (EtherType 0x8035) is read as ARP', () => {
    const f = decode([...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x8035), ...arp(3, MAC_A, '0.0.0.0', MAC_A, '0.0.0.0')]);
    expect([f.hasArp, f.arpOp, f.arpSenderMac, f.etherType]).toEqual([true, 3, 0x000c2950d563, 0x8035]);
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

describe('TCP and UDP headers cut short, and first fragments', () => {
  const segment = tcp(40000, 80, 0x18, new Array<number>(24).fill(0x61));
  const first = (proto: number, l4: number[]): number[] => [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto, mf: true }, l4)];
  it('a first fragment holding only part of the TCP header: its ports, no fault', () => {
    const f = decode(first(6, segment.slice(0, 8)));
    expect([f.srcPort, f.dstPort, f.tcpSeq, f.tcpFlags, f.truncated, f.malformed, f.weird]).toEqual([40000, 80, -1, -1, false, false, '']);
    const g = decode(first(6, segment.slice(0, 16)));
    expect([g.srcPort, g.tcpSeq, g.tcpAck, g.tcpFlags, g.tcpWindow, g.malformed]).toEqual([40000, 1000, 2000, 0x18, 65535, false]);
  });
  it('a first fragment of a UDP datagram: the length counts the whole datagram, no fault', () => {
    const f = decode(first(17, udp(40001, 53, new Array<number>(24).fill(1), 1408)));
    expect([f.srcPort, f.dstPort, f.udpLength, f.malformed, f.weird]).toEqual([40001, 53, 1408, false, '']);
    const cut = decode(first(17, udp(40001, 53).slice(0, 4)));
    expect([cut.srcPort, cut.dstPort, cut.udpLength, cut.malformed, cut.truncated]).toEqual([40001, 53, -1, false, false]);
  });
  it('the same lengths without MF are still faults', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto: 17 }, udp(40001, 53, [1, 2], 1408))]);
    expect([f.srcPort, f.malformed, f.weird]).toEqual([40001, true, 'bad_udp_length']);
    const t = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto: 6 }, segment.slice(0, 8))]);
    expect([t.srcPort, t.dstPort, t.malformed, t.weird]).toEqual([40000, 80, true, 'tcp_header_exceeds_packet']);
  });
  it('a snaplen cut inside the header keeps the ports (TCP from 4 bytes, UDP too) and flags it truncated', () => {
    const whole = [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto: 6 }, segment)];
    const f = new DecodedFrame();
    decodeFrame(record(whole.slice(0, 34 + 6), 1, whole.length), f);
    expect([f.srcPort, f.dstPort, f.tcpSeq, f.truncated, f.weird]).toEqual([40000, 80, -1, true, 'truncated_tcp']);
    decodeFrame(record(whole.slice(0, 34 + 3), 1, whole.length), f);
    expect([f.srcPort, f.truncated]).toEqual([-1, true]);
    const dns = [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.100', proto: 17 }, udp(40003, 53, [9, 9]))];
    decodeFrame(record(dns.slice(0, 34 + 6), 1, dns.length), f);
    expect([f.srcPort, f.dstPort, f.udpLength, f.truncated, f.weird]).toEqual([40003, 53, 10, true, 'truncated_udp']);
  });
});
