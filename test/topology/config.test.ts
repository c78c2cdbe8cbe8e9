import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, topologyToConfig } from '../../src/topology/config.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import type { ConfiguredRealServer, GivenTopology, RealServer, VirtualService } from '../../src/topology/topology.js';
import { errorOf, sample } from './support.js';

const SAMPLE_TOPOLOGY: Omit<GivenTopology, 'sources'> = {
  services: [
    {
      vip: '192.168.188.120',
      port: 80,
      proto: 'tcp',
      scheduler: 'wrr',
      persistence: 300,
      persistenceMask: '255.255.255.0',
      realServers: [
        { ip: '192.168.188.107', port: 80, weight: 3, forward: 'route' },
        { ip: '192.168.188.108', port: 80, weight: 1, forward: 'route' },
      ],
    },
    { vip: '192.168.188.120', port: 53, proto: 'udp' },
    { vip: '2001:db8::120', port: 80, proto: 'tcp' },
    { vip: '192.168.188.121', proto: 'tcp' },
    { vip: '', proto: 'tcp', fwmark: 1, family: 'ipv4', scheduler: 'rr' },
  ],
  directorMacs: ['00:0c:29:50:d5:63'],
  realServers: [
    { ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' },
    { ip: '192.168.188.108', mac: '00:0c:29:7a:10:02' },
    { ip: '2001:db8::107', mac: '00:0c:29:e4:4d:1f' },
  ],
};

describe('parseConfig: accepted forms', () => {
  it('reads the YAML sample', () => {
    expect(parseConfig(sample('lvs.yaml'), 'lvs.yaml')).toEqual({ ...SAMPLE_TOPOLOGY, sources: ['config lvs.yaml'] });
  });

  it('reads the JSON sample to the same topology', () => {
    expect(parseConfig(sample('lvs.json'), 'lvs.json')).toEqual({ ...SAMPLE_TOPOLOGY, sources: ['config lvs.json'] });
  });

  it('accepts --vip / --rs strings as list items, IPv6 masks and every key optional', () => {
    const t = parseConfig(
      [
        'services:',
        '  - 192.168.188.120:53/udp',
        '  - "[2001:db8::120]:443"',
        '  - vip: 2001:db8::121',
        '    proto: UDP',
        '    persistence: 60',
        '    persistenceMask: 64',
        '  - fwmark: 7',
        '    family: ipv6',
        '    persistence: 30',
        '    persistenceMask: "48"',
        '    realServers: [{ ip: "[2001:db8::107]" }]',
        'realServers: ["192.168.188.107=00:0C:29:E4:4D:1F", 00-0c-29-e4-4d-20, { mac: 00:0c:29:e4:4d:21 }]',
      ].join('\n'),
      'x.yaml',
    );
    expect(t).toEqual({
      services: [
        { vip: '192.168.188.120', port: 53, proto: 'udp' },
        { vip: '2001:db8::120', port: 443, proto: 'tcp' },
        { vip: '2001:db8::121', proto: 'udp', persistence: 60, persistenceMask: '64' },
        { vip: '', proto: 'tcp', fwmark: 7, family: 'ipv6', persistence: 30, persistenceMask: '48', realServers: [{ ip: '2001:db8::107' }] },
      ],
      directorMacs: [],
      realServers: [{ ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' }, { mac: '00:0c:29:e4:4d:20' }, { mac: '00:0c:29:e4:4d:21' }],
      sources: ['config x.yaml'],
    });
  });

  it('accepts an empty mapping', () => {
    expect(parseConfig('{}', 'e.json')).toEqual({ services: [], directorMacs: [], realServers: [], sources: ['config e.json'] });
  });
});

describe('parseConfig: errors name the file and the path', () => {
  const bad = (yaml: string): string => errorOf(() => parseConfig(yaml, 'lvs.yaml'));

  it.each([
    ['services:\n  - vip: 192.168.188.120\n    port: 70000', 'lvs.yaml: services[0].port: 70000 is not a port (1-65535)'],
    ['services:\n  - vip: 192.168.188.120\n    port: "80"', "lvs.yaml: services[0].port: expected a number, got the string '80'"],
    ['services:\n  - vip: 192.168.188.120\n    port: 8.5', 'lvs.yaml: services[0].port: 8.5 is not a port (1-65535)'],
    [
      'services:\n  - vip: 192.168.188.120\n    prot: udp',
      "lvs.yaml: services[0]: unknown key 'prot' (known: vip, fwmark, family, port, proto, scheduler, persistence, persistenceMask, realServers)",
    ],
    ['service: []', "lvs.yaml: unknown key 'service' (known: services, directorMacs, realServers)"],
    ['services:\n  - vip: 999.1.1.1', 'lvs.yaml: services[0].vip: 999.1.1.1: not an IPv4 address (octet 999 > 255)'],
    ['services:\n  - vip: 192.168.188.120:80', "lvs.yaml: services[0].vip: 192.168.188.120:80: give the address alone, the port in 'port'"],
    [
      'services:\n  - vip: [2001:db8::120]',
      'lvs.yaml: services[0].vip: expected an address, got a list (quote a bracketed IPv6 address: "[2001:db8::120]")',
    ],
    ['services:\n  - port: 80', "lvs.yaml: services[0]: needs 'vip' or 'fwmark'"],
    ['services:\n  - vip: 10.0.0.1\n    proto: sctp', "lvs.yaml: services[0].proto: 'sctp' is not a protocol (tcp, udp)"],
    ['services:\n  - fwmark: 1\n    port: 80', 'lvs.yaml: services[0].port: does not apply to an fwmark service (the mark selects the packets)'],
    ['services:\n  - fwmark: 0', 'lvs.yaml: services[0].fwmark: 0 is not a firewall mark (1-4294967295)'],
    ['services:\n  - fwmark: 1\n    family: inet6', "lvs.yaml: services[0].family: 'inet6' is not an address family (ipv4, ipv6)"],
    ['services:\n  - vip: 10.0.0.1\n    family: ipv4', 'lvs.yaml: services[0].family: applies to fwmark services only (a VIP has its own family)'],
    ['services:\n  - vip: 10.0.0.1\n    scheduler: Weighted RR', "lvs.yaml: services[0].scheduler: 'Weighted RR' is not a scheduler name (rr, wrr, lc, wlc, sh, ...)"],
    ['services:\n  - vip: 10.0.0.1\n    persistence: 0', 'lvs.yaml: services[0].persistence: 0 is not a timeout in seconds (1-4294967295)'],
    ['services:\n  - vip: 10.0.0.1\n    persistenceMask: 255.255.255.0', "lvs.yaml: services[0].persistenceMask: needs 'persistence' (ipvsadm -M needs -p)"],
    ['services:\n  - vip: 10.0.0.1\n    persistence: 300\n    persistenceMask: 24', 'lvs.yaml: services[0].persistenceMask: expected a string, got number 24'],
    ['services:\n  - vip: 10.0.0.1\n    persistence: 300\n    persistenceMask: 255.255.256.0', 'lvs.yaml: services[0].persistenceMask: 255.255.256.0: not a dotted-quad netmask'],
    ['services:\n  - vip: "2001:db8::1"\n    persistence: 300\n    persistenceMask: 129', 'lvs.yaml: services[0].persistenceMask: 129 is not an IPv6 prefix length (1-128)'],
    ['services:\n  - vip: 10.0.0.1\n  - vip: 10.0.0.1\n    proto: tcp', 'lvs.yaml: services[1]: the same service as services[0]'],
    [
      'services:\n  - vip: 10.0.0.1\n    realServers:\n      - { ip: 10.0.0.2, forward: dr }',
      "lvs.yaml: services[0].realServers[0].forward: 'dr' is not a forwarding method (route, masq, tunnel, local)",
    ],
    ['services:\n  - vip: 10.0.0.1\n    realServers:\n      - { ip: 10.0.0.2, weight: -1 }', 'lvs.yaml: services[0].realServers[0].weight: -1 is not a weight (0-2147483647)'],
    ['services:\n  - vip: 10.0.0.1\n    realServers:\n      - { port: 80 }', "lvs.yaml: services[0].realServers[0]: missing 'ip'"],
    [
      'services:\n  - vip: 10.0.0.1\n    realServers:\n      - { ip: 10.0.0.2, mac: 00:0c:29:e4:4d:1f }',
      "lvs.yaml: services[0].realServers[0]: unknown key 'mac' (known: ip, port, weight, forward)",
    ],
    ['services:\n  - "10.0.0.1:0"', 'lvs.yaml: services[0]: 10.0.0.1:0: 0 is not a port (1-65535)'],
    ['services: 10.0.0.1', "lvs.yaml: services: expected a list, got the string '10.0.0.1'"],
    ['services:\n  - 42', 'lvs.yaml: services[0]: expected a mapping (vip, fwmark, family, port, proto, scheduler, persistence, persistenceMask, realServers), got number 42'],
    ['directorMacs: [00:0c:29:50:d5]', 'lvs.yaml: directorMacs[0]: 00:0c:29:50:d5: not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)'],
    ['directorMacs: 00:0c:29:50:d5:63', "lvs.yaml: directorMacs: expected a list, got the string '00:0c:29:50:d5:63'"],
    ['realServers:\n  - {}', "lvs.yaml: realServers[0]: needs 'ip', 'mac' or both"],
    ['realServers:\n  - { ip: 10.0.0.2 }\n  - { ip: 10.0.0.2, mac: 00:0c:29:e4:4d:1f }', 'lvs.yaml: realServers[1]: 10.0.0.2 is already realServers[0]'],
    ['realServers:\n  - 10.0.0.2:80', 'lvs.yaml: realServers[0]: 10.0.0.2:80: a real server is an address without a port'],
    ['realServers:\n  - { ip: 10.0.0.2, mac: ff:ff:ff:ff:ff:ff }', 'lvs.yaml: realServers[0].mac: ff:ff:ff:ff:ff:ff: a multicast/broadcast MAC, not a NIC address'],
    ['- 10.0.0.1', 'lvs.yaml:1: expected a mapping with services, directorMacs, realServers (YAML or JSON, as lvs-pcap topology writes), got a list'],
    ['', 'lvs.yaml: empty (expected a mapping with services, directorMacs, realServers)'],
    ['# only a comment\n', 'lvs.yaml: empty (expected a mapping with services, directorMacs, realServers)'],
    ['services:\n  - vip: 10.0.0.1\n  - vip: 10.0.0.2\n    port: 80\nservices: []', 'lvs.yaml:5:1: not valid YAML: Map keys must be unique'],
    ['services: [10.0.0.1\ndirectorMacs: []', 'lvs.yaml:2:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['services: []\n---\ndirectorMacs: []', 'lvs.yaml:2:1: not valid YAML: more than one YAML document (---); put everything in one'],
    [
      // A "billion laughs" document: nine levels of nine aliases, 9^9 strings once expanded.
      ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${new Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n'),
      'lvs.yaml: not valid YAML: Excessive alias count indicates a resource exhaustion attack',
    ],
  ])('%j', (yaml, msg) => {
    expect(bad(yaml)).toBe(msg);
  });

  it('reports JSON syntax errors for text that opens like JSON', () => {
    expect(errorOf(() => parseConfig('{ "services": [ }', 'lvs.json'))).toMatch(/^lvs\.json: not valid JSON: /);
  });
});

describe('topologyToConfig', () => {
  // A config file is the director's table: whether the user expects traffic to a service
  // (`asserted`, from --vip) is a command-line matter and does not travel through it.
  const strip = (t: GivenTopology): Omit<GivenTopology, 'sources'> => ({
    services: t.services.map(({ asserted: _asserted, ...s }) => s),
    directorMacs: t.directorMacs,
    realServers: t.realServers,
  });

  it('writes the sample back in the documented shape', () => {
    const text = topologyToConfig({ ...SAMPLE_TOPOLOGY, sources: ['config lvs.yaml'] });
    expect(text).toBe(
      [
        '# lvs-pcap topology (from config lvs.yaml)',
        '',
        'services:',
        '  - vip: 192.168.188.120',
        '    port: 80',
        '    proto: tcp',
        '    scheduler: wrr',
        '    persistence: 300',
        '    persistenceMask: 255.255.255.0',
        '    realServers:',
        '      - { ip: 192.168.188.107, port: 80, weight: 3, forward: route }',
        '      - { ip: 192.168.188.108, port: 80, weight: 1, forward: route }',
        '  - vip: 192.168.188.120',
        '    port: 53',
        '    proto: udp',
        '  - vip: 2001:db8::120',
        '    port: 80',
        '    proto: tcp',
        '  - vip: 192.168.188.121',
        '    proto: tcp',
        '  - fwmark: 1',
        '    family: ipv4',
        '    scheduler: rr',
        'directorMacs: [ 00:0c:29:50:d5:63 ]',
        'realServers:',
        '  - { ip: 192.168.188.107, mac: 00:0c:29:e4:4d:1f }',
        '  - { ip: 192.168.188.108, mac: 00:0c:29:7a:10:02 }',
        '  - { ip: 2001:db8::107, mac: 00:0c:29:e4:4d:1f }',
        '',
      ].join('\n'),
    );
  });

  it('round-trips a merged topology (flags, config and ipvsadm) and an empty one', () => {
    const t = buildGivenTopology({
      vips: ['10.9.9.9/udp'],
      rs: ['00:0c:29:00:00:01'],
      config: { source: 'lvs.yaml', text: sample('lvs.yaml') },
      ipvsadm: { source: 'lvs.txt', text: sample('ipvsadm-Ln.txt') },
    });
    expect(strip(parseConfig(topologyToConfig(t), 'out.yaml'))).toEqual(strip(t));
    const empty: GivenTopology = { services: [], directorMacs: [], realServers: [], sources: [] };
    expect(strip(parseConfig(topologyToConfig(empty), 'out.yaml'))).toEqual(strip(empty));
  });

  it('round-trips generated topologies', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    const ipv6 = fc
      .array(fc.constantFrom(0, 0, 0, 1, 0x20, 0xdb8, 0xffff, 0xfe80), { minLength: 8, maxLength: 8 })
      .map((g) => parseConfig(`services: [{ vip: "${g.map((x) => x.toString(16)).join(':')}" }]`, 'g').services[0]!.vip);
    const ip = fc.oneof(ipv4, ipv6);
    const mac = fc
      .array(fc.nat(255), { minLength: 6, maxLength: 6 })
      .map((b) => [b[0]! & 0xfe, ...b.slice(1)].map((x) => x.toString(16).padStart(2, '0')).join(':'))
      .filter((m) => m !== '00:00:00:00:00:00');
    const cfgRs: fc.Arbitrary<ConfiguredRealServer> = fc.record(
      { ip, port: fc.integer({ min: 1, max: 65535 }), weight: fc.nat(), forward: fc.constantFrom('route', 'masq', 'tunnel', 'local') },
      { requiredKeys: ['ip'] },
    );
    const common = {
      scheduler: fc.constantFrom('rr', 'wrr', 'sh', 'mh'),
      realServers: fc.array(cfgRs, { maxLength: 3 }),
    };
    const vipSvc: fc.Arbitrary<VirtualService> = fc
      .record({ vip: ip, port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), proto: fc.constantFrom('tcp', 'udp'), ...common }, {
        requiredKeys: ['vip', 'proto'],
      })
      .chain((s) =>
        fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }).chain((p) =>
          fc.boolean().map((withMask) => {
            const out: VirtualService = { ...s };
            if (out.port === undefined) delete out.port;
            if (p !== undefined) {
              out.persistence = p;
              if (withMask) out.persistenceMask = s.vip.includes(':') ? '64' : '255.255.255.0';
            }
            return out;
          }),
        ),
      );
    const fwmSvc: fc.Arbitrary<VirtualService> = fc.record(
      { vip: fc.constant(''), proto: fc.constant('tcp' as const), fwmark: fc.integer({ min: 1, max: 0xffffffff }), family: fc.constantFrom('ipv4', 'ipv6'), ...common },
      { requiredKeys: ['vip', 'proto', 'fwmark', 'family'] },
    );
    const rs: fc.Arbitrary<RealServer> = fc.oneof(fc.record({ ip }), fc.record({ mac }), fc.record({ ip, mac }));
    const topo = fc.record({
      services: fc.uniqueArray(fc.oneof(vipSvc, fwmSvc), {
        maxLength: 5,
        selector: (s) => (s.fwmark !== undefined ? `f${s.family}${s.fwmark}` : `${s.proto}${s.vip}${s.port}`),
      }),
      directorMacs: fc.uniqueArray(mac, { maxLength: 3 }),
      realServers: fc.uniqueArray(rs, { maxLength: 4, selector: (r) => r.ip ?? `mac ${r.mac}` }),
      sources: fc.constant<string[]>(['generated']),
    });
    fc.assert(
      fc.property(topo, (t) => {
        expect(strip(parseConfig(topologyToConfig(t), 'rt.yaml'))).toEqual(strip(t));
      }),
      { numRuns: 300 },
    );
  });
});
