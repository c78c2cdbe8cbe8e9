/**
 * Byte builders for hand-made frames in the decoder tests. Each returns plain number arrays so
 * a test can splice, cut and patch them; `record()` wraps the bytes in a CaptureRecord.
 */
import { CaptureRecord } from '../../src/capture/record.js';

export function u16(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}
export function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
export function mac(s: string): number[] {
  return s.split(':').map((x) => parseInt(x, 16));
}
export function ip4(s: string): number[] {
  return s.split('.').map(Number);
}

/** Ethernet II: dst(6) src(6) type(2). */
export function eth(dst: string, src: string, type: number): number[] {
  return [...mac(dst), ...mac(src), ...u16(type)];
}

/** 802.1Q-style tag body: TCI(2) with the VLAN id, then the next type(2). */
export function vlanTag(id: number, nextType: number): number[] {
  return [...u16(id & 0xfff), ...u16(nextType)];
}

export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
  ihl?: number;
  options?: number[];
  /** Total length override; default header + payload. */
  totalLength?: number;
}

/** IPv4 header with a correct checksum, followed by `payload`. */
export function ipv4(o: Ipv4Opts, payload: number[]): number[] {
  const opts = o.options ?? [];
  const ihl = o.ihl ?? 5 + opts.length / 4;
  const total = o.totalLength ?? 20 + opts.length + payload.length;
  const flags = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) >>> 3);
  const h = [
    0x40 | ihl, 0, // version 4, IHL; TOS
    ...u16(total), // total length
    ...u16(o.id ?? 0x1234), // identification
    ...u16(flags), // flags + fragment offset (8-byte units)
    o.ttl ?? 64, o.proto, // TTL, protocol
    0, 0, // header checksum, filled below
    ...ip4(o.src), ...ip4(o.dst),
    ...opts,
  ];
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  h[10] = c >>> 8;
  h[11] = c & 255;
  return [...h, ...payload];
}

export function ip6(s: string): number[] {
  const halves = s.split('::');
  const parse = (x: string | undefined): number[] => (x === undefined || x === '' ? [] : x.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.flatMap(u16);
}

/** IPv6 fixed header: version/class/flow(4) payload length(2) next header(1) hop limit(1) src(16) dst(16). */
export function ipv6(src: string, dst: string, nextHeader: number, payload: number[], hopLimit = 64, payloadLength?: number): number[] {
  return [0x60, 0, 0, 0, ...u16(payloadLength ?? payload.length), nextHeader, hopLimit, ...ip6(src), ...ip6(dst), ...payload];
}

/** TCP header: ports(4) seq(4) ack(4) offset+NS(1) flags(1) window(2) checksum(2) urgent(2) [options]. */
export function tcp(sport: number, dport: number, flags: number, payload: number[] = [], seq = 1000, ack = 2000, dataOffset?: number, options: number[] = []): number[] {
  const off = dataOffset ?? 5 + options.length / 4;
  return [...u16(sport), ...u16(dport), ...u32(seq), ...u32(ack), (off << 4) | ((flags >>> 8) & 1), flags & 255, ...u16(65535), 0, 0, 0, 0, ...options, ...payload];
}

/** UDP header: ports(4) length(2) checksum(2). */
export function udp(sport: number, dport: number, payload: number[] = [], length?: number): number[] {
  return [...u16(sport), ...u16(dport), ...u16(length ?? 8 + payload.length), 0, 0, ...payload];
}

/** ARP Ethernet/IPv4: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4). */
export function arp(op: number, sha: string, spa: string, tha: string, tpa: string): number[] {
  return [0, 1, 8, 0, 6, 4, ...u16(op), ...mac(sha), ...ip4(spa), ...mac(tha), ...ip4(tpa)];
}

/** A CaptureRecord over `bytes`, placed at `offset` inside a bigger buffer to catch offset bugs. */
export function record(bytes: number[], linkType = 1, originalLength?: number, frameNumber = 1): CaptureRecord {
  const r = new CaptureRecord();
  const pad = 7;
  const buf = new Uint8Array(bytes.length + pad + 5).fill(0xee);
  buf.set(bytes, pad);
  r.data = buf;
  r.offset = pad;
  r.capturedLength = bytes.length;
  r.originalLength = originalLength ?? bytes.length;
  r.linkType = linkType;
  r.frameNumber = frameNumber;
  r.tsSeconds = 1700000000;
  r.tsNanos = 123456789;
  return r;
}

export const MAC_A = '00:0c:29:50:d5:63';
export const MAC_B = '52:54:00:12:34:56';

/** Linux cooked capture v2 header (LINKTYPE_LINUX_SLL2): protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) address(8). */
export function sll2(protocol: number, sender: string, ifIndex = 2, packetType = 0): number[] {
  return [...u16(protocol), 0, 0, ...u32(ifIndex), ...u16(1), packetType, 6, ...mac(sender), 0, 0];
}

/** Linux cooked capture v1 header (LINKTYPE_LINUX_SLL): pkttype(2) hatype(2) halen(2) address(8) protocol(2). */
export function sll(protocol: number, sender: string, packetType = 0): number[] {
  return [...u16(packetType), ...u16(1), ...u16(6), ...mac(sender), 0, 0, ...u16(protocol)];
}

/**
 * Cisco FabricPath around a host's Ethernet frame: switch destination(6) and source(6)
 * addresses, [802.1Q tag(4)], EtherType 0x8903(2), FTAG/TTL(2), the frame, FCS(4, zeros here).
 */
export function fabricPath(inner: number[], o: { vlan?: number } = {}): number[] {
  const tag = o.vlan !== undefined ? [...u16(0x8100), ...u16(o.vlan)] : [];
  return [...mac('02:00:0c:00:01:00'), ...mac('02:00:0c:00:02:00'), ...tag, ...u16(0x8903), 0x04, 0x3f, ...inner, 0, 0, 0, 0];
}

/** ARP with any sizes: htype(2) ptype(2) hlen(1) plen(1) op(2), then the four addresses as given. */
export function arpRaw(hwType: number, protoType: number, op: number, sha: number[], spa: number[], tha: number[], tpa: number[]): number[] {
  return [...u16(hwType), ...u16(protoType), sha.length, spa.length, ...u16(op), ...sha, ...spa, ...tha, ...tpa];
}

export interface VrrpOpts {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** Version 2: seconds; version 3: centiseconds. */
  interval: number;
  addresses: string[];
  /** Version 2 authentication type (default 0) and its 8 bytes of data. */
  authType?: number;
  /** Address count field override (default: the number of addresses). */
  count?: number;
  /** Version 3 checksum pseudo-header: the IP source and destination. */
  src?: string;
  dst?: string;
  /** Leave the checksum wrong. */
  badChecksum?: boolean;
}

/** VRRP advertisement: ver/type(1) vrid(1) prio(1) count(1) auth+int(2) | rsvd+int(2), checksum(2), addresses [, auth data(8)]. */
export function vrrp(o: VrrpOpts): number[] {
  const v6 = o.addresses.some((a) => a.includes(':')) || (o.src ?? '').includes(':');
  const addrs = o.addresses.flatMap((a) => (a.includes(':') ? ip6(a) : ip4(a)));
  const timing = o.version === 3 ? u16(o.interval & 0xfff) : [o.authType ?? 0, o.interval];
  const m = [(o.version << 4) | 1, o.vrid, o.priority, o.count ?? o.addresses.length, ...timing, 0, 0, ...addrs, ...(o.version === 2 ? [0, 0, 0, 0, 0, 0, 0, 0] : [])];
  let sum = 0;
  const words = (b: number[]): void => {
    for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  };
  words(m);
  if (o.version === 3) {
    const a = o.src ?? '0.0.0.0';
    const b = o.dst ?? '224.0.0.18';
    words(v6 ? [...ip6(a), ...ip6(b)] : [...ip4(a), ...ip4(b)]);
    sum += m.length + 112;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = (~sum & 0xffff) ^ (o.badChecksum ? 1 : 0);
  m[6] = c >>> 8;
  m[7] = c & 255;
  return m;
}
