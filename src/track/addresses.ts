/**
 * Numbers for IP addresses on the hot path. IPv4 addresses are their unsigned 32-bit value;
 * IPv6 addresses are interned (few distinct ones in a DR capture) and numbered from 2^32 up,
 * so one number type serves flow keys and comparisons for both families.
 */
import { formatIpv4, formatIpv6 } from '../decode/format.js';

const V6_BASE = 0x100000000;

export class AddressBook {
  private readonly v6Ids = new Map<string, number>();
  private readonly v6Text: string[] = [];

  /** Number for the 16 bytes at bytes[offset..]; allocates only for a new or IPv6 address. */
  ipv6(bytes: Uint8Array, offset = 0): number {
    const text = formatIpv6(bytes, offset);
    let id = this.v6Ids.get(text);
    if (id === undefined) {
      id = V6_BASE + this.v6Text.length;
      this.v6Ids.set(text, id);
      this.v6Text.push(text);
    }
    return id;
  }

  /** Number for an address in text form (already validated), or undefined if IPv6 and unseen. */
  lookup(text: string): number | undefined {
    if (text.includes(':')) return this.v6Ids.get(text);
    const parts = text.split('.');
    if (parts.length !== 4) return undefined;
    return ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
  }

  /** Like lookup, but registers an IPv6 text so given addresses have numbers before traffic. */
  intern(text: string): number {
    const known = this.lookup(text);
    if (known !== undefined) return known;
    const id = V6_BASE + this.v6Text.length;
    this.v6Ids.set(text, id);
    this.v6Text.push(text);
    return id;
  }

  format(ip: number): string {
    if (ip < V6_BASE) return formatIpv4(ip);
    return this.v6Text[ip - V6_BASE] ?? '?';
  }

  /**
   * Multicast, broadcast or unspecified: never a client or a VIP (an HSRP hello to 224.0.0.2
   * or an NTP broadcast must not look like a client talking to a service).
   */
  isGroupOrUnspecified(ip: number): boolean {
    if (ip < V6_BASE) return ip >>> 28 === 0xe || ip === 0xffffffff || ip === 0;
    const text = this.v6Text[ip - V6_BASE] ?? '';
    return text.startsWith('ff') || text === '::';
  }

  family(ip: number): 4 | 6 {
    return ip < V6_BASE ? 4 : 6;
  }
}
