import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatEpoch,
  formatIpv4,
  formatIpv6,
  formatMac,
  formatTcpFlags,
  formatIsoTime,
  formatTimestamp,
  parseIpv4,
  parseIpv6,
  parseMac,
} from '../../src/decode/format.js';
import { TcpFlag } from '../../src/decode/frame.js';

describe('MAC', () => {
  it('formats a 48-bit number', () => {
    expect(formatMac(0x000c2950d563)).toBe('00:0c:29:50:d5:63');
    expect(formatMac(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
    expect(formatMac(0)).toBe('00:00:00:00:00:00');
  });
  it('parses ":" and "-" separators in any case', () => {
    expect(parseMac('00:0C:29:50:d5:63')).toBe(0x000c2950d563);
    expect(parseMac('00-0c-29-50-d5-63')).toBe(0x000c2950d563);
    expect(parseMac('00:0c-29:50:d5:63')).toBeUndefined();
    expect(parseMac('00:0c:29:50:d5')).toBeUndefined();
    expect(parseMac('00:0c:29:50:d5:6g')).toBeUndefined();
  });
  it('round-trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (n) => parseMac(formatMac(n)) === n));
  });
});

describe('IPv4', () => {
  it('formats and parses strictly', () => {
    expect(formatIpv4(0xc0a80001)).toBe('192.168.0.1');
    expect(parseIpv4('192.168.0.1')).toBe(0xc0a80001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1..3.4', 'a.b.c.d']) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
  });
  it('round-trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n));
  });
});

describe('IPv6 (RFC 5952, as tshark prints it)', () => {
  const cases: Array<[string, string]> = [
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not "::"
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of equal runs
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'], // IPv4-mapped
    ['0:0:0:0:0:0:c000:0201', '::192.0.2.1'], // IPv4-compatible
    ['FE80:0:0:0:025A:28FF:FE08:F150', 'fe80::25a:28ff:fe08:f150'],
  ];
  for (const [input, text] of cases) {
    it(`${input} -> ${text}`, () => {
      const b = parseIpv6(input);
      expect(b).toBeDefined();
      expect(formatIpv6(b!)).toBe(text);
      expect(parseIpv6(text)).toEqual(b);
    });
  }
  it('refuses bad text', () => {
    for (const bad of ['', ':', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '::1.2.3', '1:2:3:4:5:6:7::8:9']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });
  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(parseIpv6(formatIpv6(b))).toEqual(b);
      }),
    );
  });
});

describe('TCP flags, timestamps', () => {
  it('names flags, SYN and ACK first', () => {
    expect(formatTcpFlags(TcpFlag.SYN | TcpFlag.ACK)).toBe('SYN,ACK');
    expect(formatTcpFlags(TcpFlag.FIN | TcpFlag.ACK | TcpFlag.PSH)).toBe('FIN,PSH,ACK');
    expect(formatTcpFlags(TcpFlag.RST)).toBe('RST');
    expect(formatTcpFlags(0x1ff)).toBe('SYN,FIN,RST,PSH,ACK,NS,CWR,ECE,URG');
    expect(formatTcpFlags(0)).toBe('');
  });
  it('formats times with nine fractional digits', () => {
    expect(formatTimestamp(1700000000, 123456789)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(formatTimestamp(0, 5)).toBe('1970-01-01T00:00:00.000000005Z');
    expect(formatEpoch(1700000000, 123456789)).toBe('1700000000.123456789');
    expect(formatEpoch(1700000000, 1000)).toBe('1700000000.000001000');
  });
  it('times outside Date\'s range are epoch seconds after @, never an exception', () => {
    expect(formatTimestamp(2 ** 62, 5000)).toBe('@4611686018427387904.000005000');
    expect(formatTimestamp(-(2 ** 62), 0)).toBe('@-4611686018427387904.000000000');
    expect(formatTimestamp(8.64e12 - 1, 0)).toBe('+275760-09-12T23:59:59.000000000Z');
    expect(formatIsoTime(1700000000.5)).toBe('2023-11-14T22:13:20.500Z');
    expect(formatIsoTime(2 ** 62)).toBe('@4611686018427387904');
    expect(formatIsoTime(-(2 ** 62))).toBe('@-4611686018427387904');
    expect(formatIsoTime(Number.NaN)).toBe('@NaN');
  });
  it('a time before 1970 counts its nanoseconds forward from the negative second', () => {
    expect(formatEpoch(-5, 500_000_000)).toBe('-4.500000000');
    expect(formatEpoch(-5, 0)).toBe('-5.000000000');
    expect(formatEpoch(-1, 999_999_999)).toBe('-0.000000001');
  });
});
