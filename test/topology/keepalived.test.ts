/**
 * keepalived.conf as the given topology. Every config read here is also given to keepalived's
 * own config test (skipped, with the reason, where keepalived is not installed): the ones
 * lvs-pcap accepts must pass it, the ones it refuses must fail it, so the two parsers are held
 * to each other. The real keepalived configs of the IPVS lab must give the services of the
 * `ipvsadm -Ln` the same keepalived built from them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepalivedTopology, parseKeepalived } from '../../src/topology/keepalived/parse.js';
import { parseIpvsadm } from '../../src/topology/ipvsadm.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import type { VirtualService, VrrpInstance } from '../../src/topology/topology.js';
import { UsageError } from '../../src/topology/usage-error.js';
import { errorOf } from './support.js';
import { confDir, configTestSkip, keepalivedConfigTest } from './keepalived-support.js';

const SAMPLES = join(import.meta.dirname, 'samples/keepalived');
const FULL = join(SAMPLES, 'full/keepalived.conf');
const IPVS = join(import.meta.dirname, '../../fixtures/ipvs');

const web = (vip: string): VirtualService => ({
  vip,
  port: 80,
  proto: 'tcp',
  scheduler: 'wrr',
  persistence: 600,
  persistenceMask: '255.255.255.0',
  realServers: [
    { ip: '192.168.201.1', port: 80, weight: 3, forward: 'route' },
    { ip: '192.168.201.2', port: 80, weight: 1, forward: 'route' },
  ],
});

/** What samples/keepalived/full says, worked out from keepalived's rules by hand. */
const FULL_SERVICES: VirtualService[] = [
  // services/dns.conf (included before the main file's virtual servers): the VS-level weight 2 is
  // the default of its real servers; a real server without a port gets the service's.
  {
    vip: '192.168.200.20',
    port: 53,
    proto: 'udp',
    scheduler: 'rr',
    realServers: [
      { ip: '192.168.201.1', port: 53, weight: 2, forward: 'route' },
      { ip: '192.168.201.2', port: 53, weight: 0, forward: 'route' },
    ],
  },
  // services/web.conf: NAT keeps the real servers' own port.
  {
    vip: '2001:db8:188::120',
    port: 443,
    proto: 'tcp',
    scheduler: 'lc',
    realServers: [
      { ip: '2001:db8:201::31', port: 8443, weight: 5, forward: 'masq' },
      { ip: '2001:db8:201::32', port: 8443, weight: 1, forward: 'masq' },
    ],
  },
  // virtual_server group web_vips: one IPVS service per address of the group, and the fwmark.
  web('192.168.200.10'),
  web('192.168.200.11'),
  web('192.168.200.12'),
  {
    vip: '',
    proto: 'tcp',
    fwmark: 7,
    family: 'ipv4',
    scheduler: 'wrr',
    persistence: 600,
    persistenceMask: '255.255.255.0',
    realServers: [
      { ip: '192.168.201.1', weight: 3, forward: 'route' },
      { ip: '192.168.201.2', weight: 1, forward: 'route' },
    ],
  },
  { vip: '', proto: 'tcp', fwmark: 5, family: 'ipv6', scheduler: 'sh', realServers: [{ ip: '2001:db8:201::21', weight: 2, forward: 'tunnel' }] },
];

describe('keepalived.conf: the keywords lvs-pcap reads', () => {
  it('services: groups, fwmarks, IPv6, DR/NAT/TUN, weights, persistence, ports, includes in glob order', () => {
    const c = parseKeepalived(FULL);
    expect(c.services).toEqual(FULL_SERVICES);
    expect(c.sorryServers).toEqual(['192.168.201.9']);
  });

  it('VRRP instances: state, priority (and what tracking can make of it), VRID, interval, VIPs, unicast, auth', () => {
    const c = parseKeepalived(FULL);
    const dir = join(SAMPLES, 'full/conf.d');
    const expected: VrrpInstance[] = [
      {
        name: 'VI_web',
        config: FULL,
        where: `${join(dir, 'vrrp.conf')}:11`,
        vrid: 61,
        version: 2,
        family: 'ipv4',
        state: 'BACKUP',
        priority: 120,
        // chk_web's own weight -30 and chk_ipvs's -10 on the track line
        priorityRange: [80, 160],
        advertIntervalCentis: 200,
        vips: ['192.168.200.10', '192.168.200.11'],
        excludedVips: ['192.168.200.12'],
        interface: 'eth0',
        unicastPeers: ['192.168.188.109'],
        sourceIp: '192.168.188.108',
        authType: 'PASS',
        nopreempt: false,
      },
      {
        name: 'VI_v6',
        config: FULL,
        where: `${join(dir, 'vrrp6.conf')}:1`,
        // IPv6 needs VRRPv3 whatever global_defs says; MASTER without a priority is the address owner
        vrid: 62,
        version: 3,
        family: 'ipv6',
        state: 'MASTER',
        priority: 255,
        priorityRange: [255, 255],
        advertIntervalCentis: 50,
        vips: ['fe80::62', '2001:db8:188::120'],
        excludedVips: [],
        interface: 'eth0',
        unicastPeers: [],
        authType: 'none',
        nopreempt: false,
      },
    ];
    expect(c.vrrpInstances).toEqual(expected);
  });

  it('as the given topology: the sorry server is a known real server, the source names the file', () => {
    const t = keepalivedTopology(parseKeepalived(FULL));
    expect(t.realServers).toEqual([{ ip: '192.168.201.9' }]);
    expect(t.sources).toEqual([`keepalived.conf (${FULL})`]);
    const merged = buildGivenTopology({ keepalived: [FULL, FULL] });
    expect(merged.services.length).toBe(FULL_SERVICES.length);
    expect(merged.vrrpInstances?.length).toBe(4);
  });

  it.skipIf(configTestSkip !== undefined)(`keepalived --config-test accepts the sample${configTestSkip ? ` (skipped: ${configTestSkip})` : ''}`, () => {
    const r = keepalivedConfigTest(FULL);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });
});

describe('the namespace lab: keepalived.conf of the VRRP-only directors', () => {
  // scenario, config, VRID, priority, VRRP version, VIPs, unicast peers: what the lab wrote (fixtures/lab/run.sh)
  const NS_LAB: [string, string, number, number, number, string[], string[]][] = [
    ['ipv6-keepalived-failover', 'keepalived-dir1.conf', 61, 150, 3, ['2001:db8:188::120'], []],
    ['ipv6-keepalived-failover', 'keepalived-dir2.conf', 61, 100, 3, ['2001:db8:188::120'], []],
    ['keepalived-unicast-one-side', 'keepalived-dir1.conf', 51, 150, 2, ['192.168.188.120'], ['192.168.188.109']],
    ['keepalived-unicast-one-side', 'keepalived-dir2.conf', 51, 100, 2, ['192.168.188.120'], []],
  ];
  const FIXTURES = join(IPVS, '..');
  it('covers every keepalived config of the namespace lab', () => {
    const all = readdirSync(FIXTURES, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'ipvs' && e.name !== 'lab')
      .flatMap((d) => readdirSync(join(FIXTURES, d.name)).filter((f) => /^keepalived.*\.conf$/.test(f)).map((f) => `${d.name}/${f}`));
    expect(NS_LAB.map(([d, c]) => `${d}/${c}`).sort()).toEqual(all.sort());
  });
  for (const [scenario, conf, vrid, priority, version, vips, peers] of NS_LAB) {
    it(`${scenario}/${conf}: VRRP version ${version}, VRID ${vrid}, priority ${priority}`, () => {
      const c = parseKeepalived(join(FIXTURES, scenario, conf));
      expect(c.services).toEqual([]);
      expect(c.vrrpInstances.map((i) => [i.vrid, i.priority, i.version, i.family, i.vips, i.unicastPeers])).toEqual([
        [vrid, priority, version, vips[0]!.includes(':') ? 'ipv6' : 'ipv4', vips, peers],
      ]);
      if (configTestSkip === undefined) expect(keepalivedConfigTest(join(FIXTURES, scenario, conf)).ok).toBe(true);
    });
  }
});

describe('the IPVS lab: keepalived.conf gives the table keepalived built', () => {
  // scenario, config, the ipvsadm -Ln keepalived built from it (with every RS up), its VRID and priority
  const LAB: [string, string, string, number, number][] = [
    ['ipvs-keepalived-inhibit', 'keepalived.conf', 'bridge.ipvsadm-Ln.before-w0.txt', 51, 150],
    ...['pair', 'split-brain', 'vrid-mismatch', 'left-vip'].flatMap((s): [string, string, string, number, number][] => [
      [`ipvs-keepalived-${s}`, 'keepalived-dir1.conf', 'bridge.ipvsadm-Ln.txt', 51, 150],
      [`ipvs-keepalived-${s}`, 'keepalived-dir2.conf', 'bridge.ipvsadm-Ln.dir2.txt', s === 'vrid-mismatch' ? 52 : 51, 100],
    ]),
  ];
  it('covers every keepalived config of the lab', () => {
    const all = readdirSync(IPVS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).flatMap((d) => readdirSync(join(IPVS, d)).filter((f) => /^keepalived.*\.conf$/.test(f)).map((f) => `${d}/${f}`));
    expect(LAB.map(([d, c]) => `${d}/${c}`).sort()).toEqual(all.sort());
  });
  for (const [scenario, conf, ln, vrid, priority] of LAB) {
    it(`${scenario}/${conf} = ${ln}`, () => {
      const c = parseKeepalived(join(IPVS, scenario, conf));
      expect(c.services).toEqual(parseIpvsadm(readFileSync(join(IPVS, scenario, ln), 'utf8'), ln).services);
      expect(c.vrrpInstances.map((i) => [i.vrid, i.priority, i.vips])).toEqual([[vrid, priority, ['192.168.188.120']]]);
      if (configTestSkip === undefined) expect(keepalivedConfigTest(join(IPVS, scenario, conf)).ok).toBe(true);
    });
  }
});

const VS = (body = '', rsBody = '        weight 1\n'): string =>
  `virtual_server 192.168.188.120 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n${body}    real_server 192.168.188.107 80 {\n${rsBody}    }\n}\n`;
const VI = (body = '', vips = '        192.168.188.120\n'): string =>
  `vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 150\n    advert_int 1\n    virtual_ipaddress {\n${vips}    }\n${body}}\n`;

interface Bad {
  name: string;
  files: Record<string, string>;
  /** The error, after "<file>:<line>: ". */
  line: number;
  file?: string;
  error: RegExp;
  /**
   * keepalived's own config test rejects it too. false: keepalived runs on without the part in
   * question (a missing include, a group it cannot find), which lvs-pcap refuses because the
   * check would verify another setup, or a construct lvs-pcap does not follow.
   */
  keepalivedRejects: boolean;
}

const BAD: Bad[] = [
  { name: 'a block never closed', files: { 'keepalived.conf': VI() + VS().replace(/}\n$/, '') }, line: 11, error: /the block of 'virtual_server 192\.168\.188\.120 80' is never closed/, keepalivedRejects: true },
  { name: "a '}' too many", files: { 'keepalived.conf': VS() + '}\n' }, line: 9, error: /a '}' that closes no block/, keepalivedRejects: true },
  { name: 'unknown lb_kind', files: { 'keepalived.conf': VS().replace('lb_kind DR', 'lb_kind XX') }, line: 3, error: /unknown forwarding method 'XX' \(DR, NAT or TUN/, keepalivedRejects: true },
  { name: 'lb_kind in lower case', files: { 'keepalived.conf': VS().replace('lb_kind DR', 'lb_kind dr') }, line: 3, error: /unknown forwarding method 'dr'.*case-sensitive/, keepalivedRejects: true },
  { name: 'a missing include', files: { 'keepalived.conf': `include nothere.conf\n${VS()}` }, line: 1, error: /include nothere\.conf: no such file/, keepalivedRejects: false },
  { name: 'a typo in a keyword', files: { 'keepalived.conf': VS('    persistance_timeout 300\n') }, line: 5, error: /unknown keyword 'persistance_timeout' in virtual_server 192\.168\.188\.120 80 \(did you mean 'persistence_timeout'\?\)/, keepalivedRejects: true },
  { name: 'no protocol', files: { 'keepalived.conf': VS().replace('    protocol TCP\n', '') }, line: 1, error: /has no protocol \(keepalived then sets up a UDP service/, keepalivedRejects: true },
  { name: 'no scheduler', files: { 'keepalived.conf': VS().replace('    lb_algo rr\n', '') }, line: 1, error: /has no lb_algo/, keepalivedRejects: true },
  { name: 'an unknown scheduler', files: { 'keepalived.conf': VS().replace('lb_algo rr', 'lb_algo rrr') }, line: 2, error: /unknown scheduler 'rrr'/, keepalivedRejects: true },
  { name: 'no forwarding method', files: { 'keepalived.conf': VS().replace('    lb_kind DR\n', '') }, line: 4, error: /no forwarding method/, keepalivedRejects: true },
  { name: 'a VRID out of range', files: { 'keepalived.conf': VI().replace('virtual_router_id 51', 'virtual_router_id 256') }, line: 4, error: /the VRID '256' is not a whole number 1-255/, keepalivedRejects: true },
  { name: 'a fractional interval with VRRPv2', files: { 'keepalived.conf': VI().replace('advert_int 1', 'advert_int 1.5') }, line: 6, error: /VRRP version 2 advertises whole seconds/, keepalivedRejects: true },
  { name: 'IPv4 and IPv6 VIPs in one instance', files: { 'keepalived.conf': VI('', '        192.168.188.120\n        2001:db8::120\n') }, line: 9, error: /2001:db8::120 is IPv6, the instance's first address is not/, keepalivedRejects: true },
  { name: "a real server's port that differs without NAT", files: { 'keepalived.conf': VS().replace('real_server 192.168.188.107 80', 'real_server 192.168.188.107 8080') }, line: 5, error: /port differs from the virtual server's 80/, keepalivedRejects: true },
  { name: 'an undefined group', files: { 'keepalived.conf': VS().replace('virtual_server 192.168.188.120 80', 'virtual_server group nosuch') }, line: 1, error: /no virtual_server_group nosuch/, keepalivedRejects: false },
  { name: 'state in lower case', files: { 'keepalived.conf': VI().replace('state MASTER', 'state master') }, line: 2, error: /unknown state 'master'/, keepalivedRejects: true },
  { name: 'an unknown top-level keyword', files: { 'keepalived.conf': `virtual_servers 1.2.3.4 80 {\n}\n` }, line: 1, error: /unknown keyword 'virtual_servers' in the top level \(did you mean 'virtual_server'\?\)/, keepalivedRejects: true },
  { name: 'priority 0', files: { 'keepalived.conf': VI().replace('priority 150', 'priority 0') }, line: 5, error: /the priority '0' is not a whole number 1-255/, keepalivedRejects: true },
  { name: 'a real server twice', files: { 'keepalived.conf': VS('', '        weight 1\n    }\n    real_server 192.168.188.107 80 {\n') }, line: 8, error: /real_server 192\.168\.188\.107 80 appears twice/, keepalivedRejects: true },
  { name: 'a track_script without its vrrp_script', files: { 'keepalived.conf': VI('    track_script {\n        chk_x\n    }\n') }, line: 11, error: /no vrrp_script chk_x/, keepalivedRejects: true },
  { name: 'a virtual server without real servers', files: { 'keepalived.conf': 'virtual_server 192.168.188.120 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n}\n' }, line: 1, error: /has no real_server/, keepalivedRejects: true },
  { name: "a port on an fwmark service's real server", files: { 'keepalived.conf': VS().replace('192.168.188.120 80', 'fwmark 3').replace('    protocol TCP\n', '') }, line: 4, error: /a port on a real server of an fwmark service/, keepalivedRejects: true },
  { name: 'authentication with VRRPv3', files: { 'keepalived.conf': VI('    version 3\n    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n') }, line: 1, error: /VRRP version 3 has no authentication/, keepalivedRejects: true },
  { name: 'an unterminated quote', files: { 'keepalived.conf': VI('    notify "/bin/true\n') }, line: 10, error: /unterminated quote/, keepalivedRejects: true },
  { name: 'a block after track_src_ip', files: { 'keepalived.conf': VI('    track_src_ip {\n        x\n    }\n') }, line: 10, error: /track_src_ip takes no \{ \} block/, keepalivedRejects: true },
  { name: 'an include loop', files: { 'keepalived.conf': 'include other.conf\n', 'other.conf': 'include keepalived.conf\n' }, line: 1, error: /nested more than 32 deep/, keepalivedRejects: false },
  { name: 'per-host lines (@id)', files: { 'keepalived.conf': VI().replace('    priority 150\n', '@lvs-a    priority 150\n') }, line: 5, error: /'@lvs-a' lines apply to one host's config id/, keepalivedRejects: false },
  { name: 'a ~SEQ generator', files: { 'keepalived.conf': `~SEQ(i, 1, 1) global_defs { router_id r$i }\n` }, line: 1, error: /~SEQ line generators are not supported/, keepalivedRejects: false },
];

describe('keepalived.conf that is refused: one line, file:line: reason', () => {
  for (const c of BAD) {
    it(c.name, () => {
      const d = confDir(c.files);
      try {
        const message = errorOf(() => parseKeepalived(d.path('keepalived.conf')));
        expect(message.startsWith(`${d.path(c.file ?? 'keepalived.conf')}:${c.line}: `), message).toBe(true);
        expect(message).toMatch(c.error);
        expect(message).not.toContain('\n');
        if (configTestSkip === undefined) {
          const k = keepalivedConfigTest(d.path('keepalived.conf'));
          expect(k.ok, `keepalived --config-test: ${k.output}`).toBe(!c.keepalivedRejects);
        }
      } finally {
        d.cleanup();
      }
    });
  }
});

describe('the sample the CLI refuses', () => {
  it('bad-lb-kind.conf: lvs-pcap and keepalived --config-test both refuse it', () => {
    const file = join(SAMPLES, 'bad-lb-kind.conf');
    expect(errorOf(() => parseKeepalived(file))).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: lb_kind: unknown forwarding method 'dr'`));
    if (configTestSkip === undefined) expect(keepalivedConfigTest(file).ok).toBe(false);
  });
});

describe('keepalived.conf grammar lvs-pcap follows as keepalived does', () => {
  const cases: { name: string; files: Record<string, string>; check: (d: (n: string) => string) => void }[] = [
    {
      name: 'braces on the keyword line, on a line of their own, or a whole block on one line',
      files: { 'keepalived.conf': VS().replace('virtual_server 192.168.188.120 80 {', 'virtual_server 192.168.188.120 80\n{').replace(/real_server 192\.168\.188\.107 80 \{\n {8}weight 1\n {4}\}/, 'real_server 192.168.188.107 80 { weight 4 }') },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).services[0]!.realServers).toEqual([{ ip: '192.168.188.107', port: 80, weight: 4, forward: 'route' }]),
    },
    {
      name: 'a comment sign inside double quotes is text; \\# outside them is a hash',
      files: { 'keepalived.conf': VI('    authentication {\n        auth_type PASS\n        auth_pass "a#b!c"   ! the password\n    }\n') },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).vrrpInstances[0]!.authType).toBe('PASS'),
    },
    {
      name: 'an include is relative to the including file, whatever the working directory; a wildcard that matches nothing is no error',
      files: { 'keepalived.conf': 'include sub/*.conf\ninclude none/*.conf\n', 'sub/a.conf': 'include ../vs/b.conf\n', 'vs/b.conf': VS() },
      check: (p) => {
        const cwd = process.cwd();
        try {
          process.chdir('/');
          expect(parseKeepalived(p('keepalived.conf')).services.map((s) => s.vip)).toEqual(['192.168.188.120']);
        } finally {
          process.chdir(cwd);
        }
      },
    },
    {
      name: '$NAME=value definitions, substituted as $NAME and ${NAME}',
      files: { 'keepalived.conf': `$VIP=192.168.188.121\n$RS=192.168.188.107\n${VS().replace('192.168.188.120 80', '${VIP} 80').replace('real_server 192.168.188.107', 'real_server $RS')}` },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).services.map((s) => [s.vip, s.realServers?.[0]?.ip])).toEqual([['192.168.188.121', '192.168.188.107']]),
    },
    {
      name: "the forwarding method a real server inherits is its virtual server's when it is declared (lvs_method overrides it)",
      files: { 'keepalived.conf': VS('', '        lvs_method TUN\n').replace('    lb_kind DR\n', '    lb_kind NAT\n') },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).services[0]!.realServers![0]!.forward).toBe('tunnel'),
    },
    {
      name: 'track_src_ip is a flag, not a block',
      files: { 'keepalived.conf': VI('    track_src_ip\n') },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).vrrpInstances.map((i) => i.vrid)).toEqual([51]),
    },
    {
      name: 'port 0 with persistence: every port of the VIP',
      files: { 'keepalived.conf': VS('    persistence_timeout\n').replace(/ 80\b/g, ' 0') },
      check: (p) => expect(parseKeepalived(p('keepalived.conf')).services).toEqual([
        { vip: '192.168.188.120', proto: 'tcp', scheduler: 'rr', persistence: 360, realServers: [{ ip: '192.168.188.107', weight: 1, forward: 'route' }] },
      ]),
    },
    {
      name: 'skipped blocks: global_defs, vrrp_sync_group, checkers, static routes',
      files: {
        'keepalived.conf':
          'global_defs {\n    notification_email {\n        ops@example.com\n    }\n    router_id x\n}\nstatic_routes {\n    10.9.0.0/16 via 192.168.188.1 dev eth0\n}\n' +
          VI() +
          VI('', '        192.168.188.121\n').replace('VI_1', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52') +
          'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' +
          VS('', '        weight 1\n        HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            connect_timeout 3\n        }\n'),
      },
      check: (p) => {
        const c = parseKeepalived(p('keepalived.conf'));
        expect([c.services.length, c.vrrpInstances.length]).toEqual([1, 2]);
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = confDir(c.files);
      try {
        c.check(d.path);
        if (configTestSkip === undefined) {
          const k = keepalivedConfigTest(d.path('keepalived.conf'));
          expect(k.ok, `keepalived --config-test: ${k.output}`).toBe(true);
        }
      } finally {
        d.cleanup();
      }
    });
  }
});

describe('keepalived.conf: never a crash', () => {
  it('random text and mutated configs: parsed, or one UsageError line', () => {
    const base = readFileSync(join(IPVS, 'ipvs-keepalived-pair/keepalived-dir1.conf'), 'utf8');
    const d = confDir({});
    try {
      let n = 0;
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })).map(([at, cut, insert]) => {
              const i = at % base.length;
              return base.slice(0, i) + insert + base.slice(i + cut);
            }),
          ),
          (text) => {
            const path = join(d.dir, `f${n++}.conf`);
            writeFileSync(path, text);
            try {
              parseKeepalived(path);
            } catch (e) {
              expect(e).toBeInstanceOf(UsageError);
              expect((e as Error).message).not.toContain('\n');
            }
          },
        ),
        { numRuns: 1500 },
      );
    } finally {
      d.cleanup();
    }
  });
});
