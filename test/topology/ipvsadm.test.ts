import { describe, expect, it } from 'vitest';
import { parseIpvsadm } from '../../src/topology/ipvsadm.js';
import type { VirtualService } from '../../src/topology/topology.js';
import { errorOf, sample } from './support.js';

/** The table both samples describe, in ipvsadm's sort order. */
const EXPECTED: VirtualService[] = [
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
  {
    vip: '192.168.188.120',
    port: 443,
    proto: 'tcp',
    scheduler: 'rr',
    realServers: [
      { ip: '192.168.188.107', port: 443, weight: 1, forward: 'route' },
      { ip: '192.168.188.108', port: 443, weight: 1, forward: 'route' },
    ],
  },
  {
    vip: '192.168.188.121',
    proto: 'tcp',
    scheduler: 'sh',
    persistence: 600,
    realServers: [{ ip: '192.168.188.107', weight: 1, forward: 'route' }],
  },
  {
    vip: '192.168.188.122',
    port: 8080,
    proto: 'tcp',
    scheduler: 'wlc',
    realServers: [
      { ip: '10.0.0.5', port: 80, weight: 1, forward: 'masq' },
      { ip: '192.168.188.109', port: 8080, weight: 2, forward: 'tunnel' },
    ],
  },
  {
    vip: '192.168.188.120',
    port: 53,
    proto: 'udp',
    scheduler: 'rr',
    realServers: [
      { ip: '192.168.188.107', port: 53, weight: 1, forward: 'route' },
      { ip: '192.168.188.108', port: 53, weight: 0, forward: 'route' },
    ],
  },
  {
    vip: '2001:db8::120',
    port: 80,
    proto: 'tcp',
    scheduler: 'rr',
    realServers: [
      { ip: '2001:db8::107', port: 80, weight: 1, forward: 'route' },
      { ip: '2001:db8::108', port: 80, weight: 1, forward: 'route' },
    ],
  },
  {
    vip: '',
    proto: 'tcp',
    fwmark: 1,
    family: 'ipv4',
    scheduler: 'rr',
    realServers: [
      { ip: '192.168.188.107', weight: 1, forward: 'route' },
      { ip: '192.168.188.108', weight: 1, forward: 'route' },
    ],
  },
  {
    vip: '',
    proto: 'tcp',
    fwmark: 2,
    family: 'ipv6',
    scheduler: 'rr',
    persistence: 300,
    persistenceMask: '64',
    realServers: [{ ip: '2001:db8::107', weight: 1, forward: 'route' }],
  },
];

describe('parseIpvsadm: the two formats', () => {
  it('reads ipvsadm -Ln output', () => {
    const t = parseIpvsadm(sample('ipvsadm-Ln.txt'), 'lvs.txt');
    expect(t.format).toBe('list');
    expect(t.label).toBe('ipvsadm -Ln (lvs.txt)');
    expect(t.services).toEqual(EXPECTED);
  });

  it('reads ipvsadm-save -n output', () => {
    const t = parseIpvsadm(sample('ipvsadm-save.txt'), 'lvs.rules');
    expect(t.format).toBe('save');
    expect(t.label).toBe('ipvsadm-save (lvs.rules)');
    expect(t.services).toEqual(EXPECTED);
  });

  it('gives the same services for both forms of the same table', () => {
    expect(parseIpvsadm(sample('ipvsadm-save.txt'), 'a').services).toEqual(parseIpvsadm(sample('ipvsadm-Ln.txt'), 'b').services);
  });

  it('accepts CRLF line ends, blank lines and comments', () => {
    const text = '# saved on lvs1\r\n\r\n' + sample('ipvsadm-save.txt').replace(/\n/g, '\r\n');
    expect(parseIpvsadm(text, 'x').services).toEqual(EXPECTED);
  });
});

describe('parseIpvsadm: ipvsadm -Ln details', () => {
  it('reads service lines without the header and a pasted prompt line', () => {
    const t = parseIpvsadm('$ sudo ipvsadm -Ln\nTCP  10.1.1.1:80 rr\n  -> 10.1.1.2:80 Route 1 0 0\n', 'x');
    expect(t.services).toEqual([
      { vip: '10.1.1.1', port: 80, proto: 'tcp', scheduler: 'rr', realServers: [{ ip: '10.1.1.2', port: 80, weight: 1, forward: 'route' }] },
    ]);
  });

  it('maps Local, tolerates scheduler flags, ops and pe, and keeps services without real servers', () => {
    const text = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'UDP  10.1.1.1:5060 sh (sh-fallback,sh-port) persistent 60 pe sip ops',
      '  -> 10.1.1.1:5060                Local   1      0          0',
      'TCP  10.1.1.1:22 lc',
    ].join('\n');
    expect(parseIpvsadm(text, 'x').services).toEqual([
      {
        vip: '10.1.1.1',
        port: 5060,
        proto: 'udp',
        scheduler: 'sh',
        persistence: 60,
        realServers: [{ ip: '10.1.1.1', port: 5060, weight: 1, forward: 'local' }],
      },
      { vip: '10.1.1.1', port: 22, proto: 'tcp', scheduler: 'lc' },
    ]);
  });

  it('rejects --stats output with a clear message', () => {
    expect(errorOf(() => parseIpvsadm(sample('ipvsadm-Ln-stats.txt'), 'stats.txt'))).toBe(
      'stats.txt:2: ipvsadm --stats output lacks the scheduler, forwarding method or weights; give plain ipvsadm -Ln (or ipvsadm-save -n) output: ' +
        'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
    );
  });

  it('rejects --rate, --thresholds and --persistent-conn titles', () => {
    const title = (cols: string): string => `IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port ${cols}\n`;
    expect(errorOf(() => parseIpvsadm(title('CPS InPPS OutPPS InBPS OutBPS'), 'r'))).toMatch(/^r:2: ipvsadm --rate output lacks/);
    expect(errorOf(() => parseIpvsadm(title('Uthreshold Lthreshold ActiveConn InActConn'), 'r'))).toMatch(/^r:2: ipvsadm --thresholds output/);
    expect(errorOf(() => parseIpvsadm(title('Weight PersistConn ActiveConn InActConn'), 'r'))).toMatch(/^r:2: ipvsadm --persistent-conn output/);
  });

  it('rejects stats rows without their title', () => {
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:80                 52      310        0    20384        0\n', 'f'))).toBe(
      'f:1: a number where the scheduler belongs: this looks like ipvsadm --stats/--rate output; give plain ipvsadm -Ln: TCP  10.1.1.1:80                 52      310        0    20384        0',
    );
  });

  it('rejects unresolved names (ipvsadm -L without -n)', () => {
    expect(errorOf(() => parseIpvsadm('TCP  www.example.com:http wrr\n', 'f'))).toBe(
      "f:1: 'www.example.com:http' is a name, not an address (save the table with ipvsadm -Ln or ipvsadm-save -n): TCP  www.example.com:http wrr",
    );
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:http wrr\n', 'f'))).toBe(
      "f:1: port 'http' is a name (save the table with ipvsadm -Ln or ipvsadm-save -n): TCP  10.1.1.1:http wrr",
    );
  });

  it('rejects the connection table, unknown forwarding, stray RS lines and garbage', () => {
    expect(errorOf(() => parseIpvsadm('IPVS connection entries\npro expire state source virtual destination\n', 'c'))).toBe(
      'c:1: this is the connection table (ipvsadm -Lnc); give the service table (ipvsadm -Ln): IPVS connection entries',
    );
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:80 rr\n  -> 10.1.1.2:80 Bridge 1 0 0\n', 'f'))).toBe(
      "f:2: unknown forwarding method 'Bridge' (Route, Masq, Tunnel or Local): -> 10.1.1.2:80 Bridge 1 0 0",
    );
    expect(errorOf(() => parseIpvsadm('Prot LocalAddress:Port Scheduler Flags\n  -> 10.1.1.2:80 Route 1 0 0\n', 'f'))).toBe(
      'f:2: a real server line before any service line: -> 10.1.1.2:80 Route 1 0 0',
    );
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:80 rr\nhello world\n', 'f'))).toBe(
      'f:2: unrecognised line in ipvsadm -Ln output of f: hello world',
    );
    expect(errorOf(() => parseIpvsadm('  -> 10.1.1.2:80 Route 1 0 0\nTCP  10.1.1.1:80 rr\n', 'f'))).toBe(
      'f:1: a real server line before any service line: -> 10.1.1.2:80 Route 1 0 0',
    );
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:80 rr mask 255.255.255.0\n', 'f'))).toBe(
      "f:1: 'mask' without 'persistent': TCP  10.1.1.1:80 rr mask 255.255.255.0",
    );
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.1:80 rr bogus\n', 'f'))).toBe("f:1: unknown service flag 'bogus': TCP  10.1.1.1:80 rr bogus");
    expect(errorOf(() => parseIpvsadm('TCP  10.1.1.300:80 rr\n', 'f'))).toBe(
      "f:1: '10.1.1.300:80': not an IPv4 address (octet 300 > 255): TCP  10.1.1.300:80 rr",
    );
    expect(errorOf(() => parseIpvsadm('SCTP  10.1.1.1:80 rr\n', 'f'))).toBe('f:1: SCTP services are not supported (tcp and udp only): SCTP  10.1.1.1:80 rr');
  });

  it('rejects an empty file', () => {
    expect(errorOf(() => parseIpvsadm('\n# nothing\n', 'e'))).toBe('e: no ipvsadm output in it (want ipvsadm -Ln or ipvsadm-save -n output)');
  });
});

describe('parseIpvsadm: ipvsadm-save / rules details', () => {
  it('applies ipvsadm defaults and reads long options, "ipvsadm" prefixes and -C', () => {
    const text = [
      'ipvsadm -C',
      'ipvsadm --add-service --tcp-service 10.1.1.1:80 --persistent',
      'ipvsadm -a -t 10.1.1.1:80 -r 10.1.1.2',
      '--add-server --tcp-service=10.1.1.1:80 --real-server=10.1.1.3:8080 --masquerading --weight=5 -x 100 -y 50',
      '-A -u [2001:DB8:0::0120]:53 -s rr -o -b sh-fallback --pe sip',
      '-a -u [2001:db8::120]:53 -r 2001:db8::107 -i --tun-type gue --tun-port 6080 --tun-csum',
    ].join('\n');
    expect(parseIpvsadm(text, 'x').services).toEqual([
      {
        vip: '10.1.1.1',
        port: 80,
        proto: 'tcp',
        scheduler: 'wlc',
        persistence: 300,
        realServers: [
          { ip: '10.1.1.2', port: 80, weight: 1, forward: 'route' },
          { ip: '10.1.1.3', port: 8080, weight: 5, forward: 'masq' },
        ],
      },
      {
        vip: '2001:db8::120',
        port: 53,
        proto: 'udp',
        scheduler: 'rr',
        realServers: [{ ip: '2001:db8::107', port: 53, weight: 1, forward: 'tunnel' }],
      },
    ]);
  });

  it('rejects bad rule lines naming file, line and line text', () => {
    const bad = (line: string): string => errorOf(() => parseIpvsadm(`-A -t 10.1.1.1:80 -s rr\n${line}\n`, 'lvs.rules'));
    expect(bad('-a -t 10.1.1.9:80 -r 10.1.1.2:80 -g -w 1')).toBe(
      'lvs.rules:2: real server for a service with no -A line before it: -a -t 10.1.1.9:80 -r 10.1.1.2:80 -g -w 1',
    );
    expect(bad('-a -t 10.1.1.1:80 -r 10.1.1.2:80 -g -w heavy')).toBe(
      "lvs.rules:2: weight 'heavy' is not a number 0-2147483647: -a -t 10.1.1.1:80 -r 10.1.1.2:80 -g -w heavy",
    );
    expect(bad('-a -t 10.1.1.1:80 -r 10.1.1.2:80 -g -m')).toBe('lvs.rules:2: more than one forwarding method: -a -t 10.1.1.1:80 -r 10.1.1.2:80 -g -m');
    expect(bad('-a -t 10.1.1.1:80 -r 10.1.1.2:80 --frobnicate')).toBe("lvs.rules:2: unknown option '--frobnicate': -a -t 10.1.1.1:80 -r 10.1.1.2:80 --frobnicate");
    expect(bad('-A -t 10.1.1.1:80 -s rr')).toBe('lvs.rules:2: this service was already added: -A -t 10.1.1.1:80 -s rr');
    expect(bad('-E -t 10.1.1.1:80 -s wrr')).toBe(
      "lvs.rules:2: unsupported ipvsadm command '-E' (ipvsadm-save prints only -A and -a lines): -E -t 10.1.1.1:80 -s wrr",
    );
    expect(bad('-a -t 10.1.1.1:80 -g')).toBe('lvs.rules:2: no real server address (-r): -a -t 10.1.1.1:80 -g');
    expect(bad('-A -t 10.1.1.2:70000 -s rr')).toBe('lvs.rules:2: 70000 is not a port (1-65535): -A -t 10.1.1.2:70000 -s rr');
    expect(bad('-A -t 10.1.1.2:80 -s rr -M 255.255.0.0')).toBe('lvs.rules:2: -M needs -p (persistence): -A -t 10.1.1.2:80 -s rr -M 255.255.0.0');
    expect(bad('-A -f 0 -s rr')).toBe('lvs.rules:2: firewall mark 0 is not a mark: -A -f 0 -s rr');
    expect(bad('-A --sctp-service 10.1.1.1:80 -s rr')).toBe(
      'lvs.rules:2: SCTP services are not supported (tcp and udp only): -A --sctp-service 10.1.1.1:80 -s rr',
    );
    expect(bad('-A -t lvs.example.com:http -s rr')).toBe(
      "lvs.rules:2: 'lvs.example.com:http' is a name, not an address (save the table with ipvsadm -Ln or ipvsadm-save -n): -A -t lvs.example.com:http -s rr",
    );
  });
});
