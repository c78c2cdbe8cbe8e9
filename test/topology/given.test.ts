import { describe, expect, it } from 'vitest';
import { buildGivenTopology } from '../../src/topology/build.js';
import { parseMacSpec, parseRsSpec, parseVipSpec } from '../../src/topology/given.js';
import { errorOf, sample } from './support.js';

describe('parseVipSpec', () => {
  it.each([
    ['192.168.188.120:80', { vip: '192.168.188.120', port: 80, proto: 'tcp' }],
    ['192.168.188.120', { vip: '192.168.188.120', proto: 'tcp' }],
    ['192.168.188.120:53/udp', { vip: '192.168.188.120', port: 53, proto: 'udp' }],
    ['192.168.188.120:80/tcp', { vip: '192.168.188.120', port: 80, proto: 'tcp' }],
    ['192.168.188.120/UDP', { vip: '192.168.188.120', proto: 'udp' }],
    ['[2001:db8::120]:80', { vip: '2001:db8::120', port: 80, proto: 'tcp' }],
    ['[2001:db8::120]', { vip: '2001:db8::120', proto: 'tcp' }],
    ['2001:db8::120', { vip: '2001:db8::120', proto: 'tcp' }],
    ['[2001:DB8:0:0:0:0:0:120]:53/udp', { vip: '2001:db8::120', port: 53, proto: 'udp' }],
    ['2001:0db8::0120/udp', { vip: '2001:db8::120', proto: 'udp' }],
    [' 10.0.0.1:65535 ', { vip: '10.0.0.1', port: 65535, proto: 'tcp' }],
  ])('%s', (s, want) => {
    expect(parseVipSpec(s)).toEqual(want);
  });

  it.each([
    ['999.1.1.1', '--vip 999.1.1.1: not an IPv4 address (octet 999 > 255)'],
    ['192.168.188.120:0', '--vip 192.168.188.120:0: 0 is not a port (1-65535)'],
    ['192.168.188.120:70000', '--vip 192.168.188.120:70000: 70000 is not a port (1-65535)'],
    ['192.168.188.120:http', "--vip 192.168.188.120:http: 'http' is not a port (1-65535)"],
    ['192.168.188.120:80/sctp', "--vip 192.168.188.120:80/sctp: unknown protocol 'sctp' (tcp or udp)"],
    ['192.168.188.0/24', '--vip 192.168.188.0/24: a VIP is one address, not a prefix'],
    ['192.168.188', '--vip 192.168.188: not an IPv4 address (3 parts, need 4)'],
    ['192.168.188.010', '--vip 192.168.188.010: not an IPv4 address (octet 010 has a leading zero, which inet_aton reads as octal)'],
    ['[192.168.188.120]:80', '--vip [192.168.188.120]:80: brackets are for IPv6 addresses only'],
    ['[2001:db8::120:80', '--vip [2001:db8::120:80: unbalanced brackets (write [2001:db8::1]:80)'],
    ['2001:db8::12g', '--vip 2001:db8::12g: not an IPv6 address'],
    ['lvs.example.com:80', '--vip lvs.example.com:80: not an IP address (host names are not resolved; give the address)'],
    ['', '--vip : empty address'],
  ])('rejects %s', (s, msg) => {
    expect(errorOf(() => parseVipSpec(s))).toBe(msg);
  });

  it('names another flag when asked', () => {
    expect(errorOf(() => parseVipSpec('1.2.3', '--service'))).toBe('--service 1.2.3: not an IPv4 address (3 parts, need 4)');
  });
});

describe('parseMacSpec', () => {
  it.each([
    ['00:0c:29:50:d5:63', '00:0c:29:50:d5:63'],
    ['00-0C-29-50-D5-63', '00:0c:29:50:d5:63'],
    ['00:0C:29:50:d5:63', '00:0c:29:50:d5:63'],
  ])('%s', (s, want) => {
    expect(parseMacSpec(s)).toBe(want);
  });

  it.each([
    ['00:0c:29:50:d5', '--director-mac 00:0c:29:50:d5: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['00:0c:29-50:d5:63', '--director-mac 00:0c:29-50:d5:63: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['0:c:29:50:d5:63', '--director-mac 0:c:29:50:d5:63: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['ff:ff:ff:ff:ff:ff', '--director-mac ff:ff:ff:ff:ff:ff: a multicast/broadcast MAC, not a NIC address'],
    ['01:00:5e:00:00:01', '--director-mac 01:00:5e:00:00:01: a multicast/broadcast MAC, not a NIC address'],
    ['00:00:00:00:00:00', '--director-mac 00:00:00:00:00:00: the all-zero MAC is not a NIC address'],
  ])('rejects %s', (s, msg) => {
    expect(errorOf(() => parseMacSpec(s))).toBe(msg);
  });
});

describe('parseRsSpec', () => {
  it.each([
    ['192.168.188.107', { ip: '192.168.188.107' }],
    ['00:0c:29:e4:4d:1f', { mac: '00:0c:29:e4:4d:1f' }],
    ['00-0C-29-E4-4D-1F', { mac: '00:0c:29:e4:4d:1f' }],
    ['192.168.188.107=00:0c:29:e4:4d:1f', { ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' }],
    ['00:0c:29:e4:4d:1f=192.168.188.107', { ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' }],
    ['2001:db8::107', { ip: '2001:db8::107' }],
    ['[2001:db8::107]', { ip: '2001:db8::107' }],
    ['2001:DB8::0107=00:0c:29:e4:4d:1f', { ip: '2001:db8::107', mac: '00:0c:29:e4:4d:1f' }],
    ['00:0c:29:e4:4d:1f=[2001:db8::107]', { ip: '2001:db8::107', mac: '00:0c:29:e4:4d:1f' }],
  ])('%s', (s, want) => {
    expect(parseRsSpec(s)).toEqual(want);
  });

  it.each([
    ['192.168.188.107:80', '--rs 192.168.188.107:80: a real server is an address without a port'],
    ['192.168.188.107=192.168.188.108', '--rs 192.168.188.107=192.168.188.108: two IP addresses; want ip=mac'],
    ['00:0c:29:e4:4d:1f=00:0c:29:e4:4d:20', '--rs 00:0c:29:e4:4d:1f=00:0c:29:e4:4d:20: two MAC addresses; want ip=mac'],
    ['a=b=c', '--rs a=b=c: at most one "=" (ip=mac)'],
    ['192.168.188.107=', '--rs 192.168.188.107=: empty address'],
    ['192.168.188.300', '--rs 192.168.188.300: not an IPv4 address (octet 300 > 255), nor a MAC address'],
    ['00:0c:29:e4:4d:1', '--rs 00:0c:29:e4:4d:1: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['rs-1', '--rs rs-1: not an IP address (host names are not resolved; give the address), nor a MAC address'],
    ['00-0c-29-e4-4d', '--rs 00-0c-29-e4-4d: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['rs1.example.com', '--rs rs1.example.com: not an IP address (host names are not resolved; give the address), nor a MAC address'],
  ])('rejects %s', (s, msg) => {
    expect(errorOf(() => parseRsSpec(s))).toBe(msg);
  });
});

describe('buildGivenTopology', () => {
  it('builds from flags alone', () => {
    expect(
      buildGivenTopology({
        vips: ['192.168.188.120:80', '192.168.188.120:80/tcp', '[2001:db8::120]'],
        directorMacs: ['00-0C-29-50-D5-63', '00:0c:29:50:d5:63'],
        rs: ['192.168.188.107=00:0c:29:e4:4d:1f', '00:0c:29:e4:4d:20'],
      }),
    ).toEqual({
      services: [
        { vip: '192.168.188.120', port: 80, proto: 'tcp', asserted: true },
        { vip: '2001:db8::120', proto: 'tcp', asserted: true },
      ],
      directorMacs: ['00:0c:29:50:d5:63'],
      realServers: [{ ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' }, { mac: '00:0c:29:e4:4d:20' }],
      sources: ['--vip', '--director-mac', '--rs'],
    });
  });

  it('is empty with no input', () => {
    expect(buildGivenTopology({})).toEqual({ services: [], directorMacs: [], realServers: [], sources: [] });
  });

  it('merges flags, config and ipvsadm; flags win, then config, then ipvsadm', () => {
    const t = buildGivenTopology({
      vips: ['192.168.188.120:80', '192.168.188.150:25'],
      directorMacs: ['00:0c:29:50:d5:99'],
      rs: ['192.168.188.108=00:0c:29:00:00:08', '00:0c:29:e4:4d:1f'],
      config: {
        source: 'lvs.yaml',
        text: [
          'services:',
          '  - vip: 192.168.188.120',
          '    port: 80',
          '    scheduler: rr',
          '    realServers: [{ ip: 192.168.188.107, port: 80, weight: 5 }]',
          'directorMacs: [00:0c:29:50:d5:63]',
          'realServers:',
          '  - { ip: 192.168.188.107, mac: 00:0c:29:e4:4d:1f }',
          '  - { ip: 192.168.188.108, mac: 00:0c:29:7a:10:02 }',
        ].join('\n'),
      },
      ipvsadm: { source: 'lvs.txt', text: sample('ipvsadm-Ln.txt') },
    });
    expect(t.sources).toEqual(['--vip', '--director-mac', '--rs', 'config lvs.yaml', 'ipvsadm -Ln (lvs.txt)']);
    expect(t.directorMacs).toEqual(['00:0c:29:50:d5:99', '00:0c:29:50:d5:63']);
    // Flag order first, then services only the files name.
    expect(t.services.map((s) => `${s.fwmark ?? ''}${s.vip}:${s.port ?? '*'}/${s.proto}`)).toEqual([
      '192.168.188.120:80/tcp',
      '192.168.188.150:25/tcp',
      '192.168.188.120:443/tcp',
      '192.168.188.121:*/tcp',
      '192.168.188.122:8080/tcp',
      '192.168.188.120:53/udp',
      '2001:db8::120:80/tcp',
      '1:*/tcp',
      '2:*/tcp',
    ]);
    // The config's scheduler and weight beat ipvsadm's; ipvsadm fills what the config leaves out.
    // Named by --vip too: traffic to it is expected (see vip-unreached).
    expect(t.services[0]).toEqual({
      vip: '192.168.188.120',
      port: 80,
      proto: 'tcp',
      asserted: true,
      scheduler: 'rr',
      persistence: 300,
      persistenceMask: '255.255.255.0',
      realServers: [
        { ip: '192.168.188.107', port: 80, weight: 5, forward: 'route' },
        { ip: '192.168.188.108', port: 80, weight: 1, forward: 'route' },
      ],
    });
    // The --rs MAC for .108 beats the config's; the bare --rs MAC is completed by the config's IP;
    // the other IPs come from the ipvsadm real servers.
    expect(t.realServers).toEqual([
      { ip: '192.168.188.108', mac: '00:0c:29:00:00:08' },
      { ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' },
      { ip: '10.0.0.5' },
      { ip: '192.168.188.109' },
      { ip: '2001:db8::107' },
      { ip: '2001:db8::108' },
    ]);
  });

  it('does not change its inputs', () => {
    const t1 = buildGivenTopology({ ipvsadm: { source: 'a', text: sample('ipvsadm-save.txt') } });
    const t2 = buildGivenTopology({ ipvsadm: { source: 'a', text: sample('ipvsadm-save.txt') } });
    expect(t1).toEqual(t2);
    expect(t1.sources).toEqual(['ipvsadm-save (a)']);
  });

  it('propagates the first bad flag', () => {
    expect(errorOf(() => buildGivenTopology({ vips: ['10.0.0.1', '10.0.0.256'] }))).toBe('--vip 10.0.0.256: not an IPv4 address (octet 256 > 255)');
    expect(errorOf(() => buildGivenTopology({ rs: ['x'] }))).toBe('--rs x: not an IP address (host names are not resolved; give the address), nor a MAC address');
  });
});
