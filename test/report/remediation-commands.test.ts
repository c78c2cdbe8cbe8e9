/**
 * Every fix lvs-pcap hands out for every fixture capture, checked the ways lvs-pcap is run
 * (nothing given, the IPVS table, the whole topology): its host is a host of the fixture's
 * topology (by MAC, and by its own address when one is named), never the VIP; its commands
 * parse. `ip`, `sysctl`, `tc`, `ss` and `journalctl` commands are run for real: ip, sysctl and
 * the read-only tc and ss in a throwaway network namespace set up as that host (its addresses on
 * an eth0; a route a command deletes is put there first), journalctl as it is; ipvsadm and the IPVS sysctls, which this kernel lacks,
 * against the grammar of their manuals (test/support/command-grammar.ts). The real-IPVS lab runs
 * the ipvsadm commands for real (fixtures/ipvs/run.sh --verify-fixes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult, HostRef, Remediation } from '../../src/result/result.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { givenFrom, listFixtures, type Fixture } from '../check/fixture-expectations.js';
import { IPVS_SYSCTLS, ipvsadmProblems, ipvsAddress } from '../support/command-grammar.js';
import { orSkipped } from '../support/skip.js';

/** The placeholders a fix may hold: values no capture shows, in words. */
const PLACEHOLDERS = ["<your router's address>"];

interface TopologyHost {
  role: HostRef['role'];
  macs: string[];
  ips: string[];
}

/** The hosts a fixture's description names, with every MAC and address each one has. */
function topologyHosts(fx: Fixture): TopologyHost[] {
  const t = fx.description.topology as Fixture['description']['topology'] & {
    routers?: { ip: string; mac: string; clientSide?: { ip: string; mac: string }; lan?: { ip: string; mac: string } }[];
  };
  const one = (role: HostRef['role'], h: { ip?: string; mac?: string }): TopologyHost => ({ role, macs: h.mac ? [h.mac] : [], ips: h.ip ? [h.ip] : [] });
  return [
    ...t.directors.map((h) => one('director', h)),
    ...t.realServers.map((h) => one('real-server', h)),
    ...(t.clients ?? []).map((h) => one('client', h)),
    ...(t.routers ?? []).map((r) => {
      const lan = r.clientSide ?? r.lan;
      return { role: 'router' as const, macs: [r.mac, ...(lan ? [lan.mac] : [])], ips: [r.ip, ...(lan ? [lan.ip] : [])] };
    }),
  ];
}

/** Roles a fix may give a host of the topology: "host" is an ARP answerer whose role the capture could not show. */
function roleFits(fixRole: HostRef['role'], topologyRole: HostRef['role']): boolean {
  return fixRole === topologyRole || (fixRole === 'host' && (topologyRole === 'director' || topologyRole === 'real-server'));
}

function tableOnly(fx: Fixture): GivenTopology | undefined {
  const ln = fx.capturePath.replace(/\.pcap(ng)?(\.gz)?$/, '.ipvsadm-Ln.txt');
  if (!existsSync(ln)) return undefined;
  return buildGivenTopology({ ipvsadm: { text: readFileSync(ln, 'utf8'), source: 'ipvsadm-Ln.txt' } });
}

interface Use {
  fixture: Fixture;
  mode: string;
  remediation: Remediation;
}

const fixtures = listFixtures({ withIpvs: true });
const uses: Use[] = [];
const results = new Map<string, CheckResult>();

async function collect(): Promise<void> {
  if (uses.length > 0) return;
  for (const fx of fixtures) {
    const modes: [string, GivenTopology | undefined][] = [
      ['nothing given', undefined],
      ['ipvsadm', tableOnly(fx)],
      ['whole topology', givenFrom(fx.description)],
    ];
    for (const [mode, given] of modes) {
      if (mode === 'ipvsadm' && given === undefined) continue;
      const r = await checkCaptures([fx.capturePath], given ? { given } : {});
      results.set(`${fx.name}: ${mode}`, r);
      for (const c of r.causes) for (const remediation of c.remediation) uses.push({ fixture: fx, mode, remediation });
      for (const f of r.findings) for (const remediation of f.remediation) uses.push({ fixture: fx, mode, remediation });
    }
  }
}

const where = (u: Use): string => `${u.fixture.name} (${u.mode}): ${u.remediation.id} on ${u.remediation.host.role} ${u.remediation.host.ip ?? ''} ${u.remediation.host.mac ?? ''}`;

describe('every fix of every fixture', () => {
  it('exists where a capture fails, names a host of the topology, never the VIP', async () => {
    await collect();
    expect(uses.length).toBeGreaterThan(100);
    for (const [name, r] of results) {
      if (r.verdict !== 'fail') continue;
      // Every error's cause has a fix: a command, or a step by hand.
      for (const c of r.causes.filter((x) => x.severity === 'error')) expect(c.remediation.length, `${name}: ${c.headline}`).toBeGreaterThan(0);
    }
    const problems: string[] = [];
    for (const u of uses) {
      const h = u.remediation.host;
      const vips = u.fixture.description.topology.vips.map((v) => v.ip);
      if (h.ip !== undefined && vips.includes(h.ip)) problems.push(`${where(u)}: names the VIP`);
      if (u.remediation.id === 'capture-the-vip') continue;
      const hosts = topologyHosts(u.fixture);
      const found = hosts.find((t) => (h.mac !== undefined ? t.macs.includes(h.mac) : h.ip !== undefined && t.ips.includes(h.ip)));
      if (!found) {
        problems.push(`${where(u)}: no host of the topology`);
        continue;
      }
      if (h.ip !== undefined && !found.ips.includes(h.ip)) problems.push(`${where(u)}: ${h.ip} is not that host's address (${found.ips.join(', ')})`);
      if (!roleFits(h.role, found.role)) problems.push(`${where(u)}: the host is the ${found.role}`);
      if (u.remediation.commands.length === 0 && u.remediation.manual === undefined) problems.push(`${where(u)}: neither a command nor a step by hand`);
    }
    expect(problems).toEqual([]);
  });

  it('holds only placeholders in words, and each address family in its own syntax', async () => {
    await collect();
    const problems: string[] = [];
    for (const u of uses) {
      for (const c of u.remediation.commands) {
        const rest = PLACEHOLDERS.reduce((s, p) => s.split(p).join(''), c);
        if (/[<>]/.test(rest)) problems.push(`${where(u)}: ${c}: a placeholder not in words, or a redirection`);
        const v6 = /\b[0-9a-f]{1,4}:[0-9a-f:]*:[0-9a-f]{0,4}\b/i.test(c.replace(/\b\d{1,2}:\d{2}\b/g, ''));
        if (v6 && c.startsWith('ip ') && !c.startsWith('ip -6 ')) problems.push(`${where(u)}: ${c}: IPv6 without ip -6`);
        if (/\bnet\.ipv4\.conf/.test(c) && u.fixture.description.topology.vips.every((v) => v.ip.includes(':'))) problems.push(`${where(u)}: ${c}: an IPv4 setting for an IPv6 VIP`);
        if (/\d+\.\d+\.\d+\.\d+:\d+\/\d+/.test(c)) problems.push(`${where(u)}: ${c}: a port inside an address`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('ipvsadm commands and IPVS sysctls follow their manuals', async () => {
    await collect();
    const problems: string[] = [];
    let ipvsadm = 0;
    for (const u of uses) {
      for (const c of u.remediation.commands) {
        if (c.startsWith('ipvsadm ')) {
          ipvsadm++;
          for (const p of ipvsadmProblems(c)) problems.push(`${where(u)}: ${c}: ${p}`);
        }
        for (const key of c.match(/net\.ipv4\.vs\.\w+/g) ?? []) if (!IPVS_SYSCTLS.has(key)) problems.push(`${where(u)}: ${c}: no such IPVS sysctl ${key}`);
      }
    }
    expect(ipvsadm).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('the ipvsadm grammar refuses what ipvsadm refuses', () => {
    expect(ipvsadmProblems('ipvsadm -e -t 192.168.188.120:80 -r 192.168.188.107:80 -g')).toEqual([]);
    expect(ipvsadmProblems('ipvsadm -e -t [2001:db8::120]:80 -r [2001:db8::107]:80 -g -w 2')).toEqual([]);
    expect(ipvsadmProblems('ipvsadm -E -f 3 -6 -s rr -p 300 -M 64')).toEqual([]);
    expect(ipvsadmProblems('ipvsadm -Ln -t 2001:db8::120:80')).not.toEqual([]);
    expect(ipvsadmProblems('ipvsadm -e -t 192.168.188.120:80 -r <rs-ip> -g')).not.toEqual([]);
    expect(ipvsadmProblems('ipvsadm -e -t 192.168.188.120:80 -g')).not.toEqual([]);
    expect(ipvsadmProblems('ipvsadm -E -t 192.168.188.120:80 -s fastest')).not.toEqual([]);
    expect(ipvsAddress('192.168.188.120:53/32')).toBeDefined();
  });
});

/** Root and network namespaces: the ip and sysctl commands run in throwaway namespaces. */
function namespacesMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the ip and sysctl commands run in throwaway network namespaces';
  const probe = `lvspcap-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `no network namespaces here (ip netns add: ${add.stderr.toString().trim()})`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}
const missing = namespacesMissing();
const hasJournalctl = spawnSync('sh', ['-c', 'command -v journalctl']).status === 0;

describe.skipIf(missing !== undefined)(orSkipped('every fix command runs as printed', missing), () => {
  const created: string[] = [];
  afterAll(() => {
    for (const ns of created) spawnSync('ip', ['netns', 'del', ns]);
  });

  /** A namespace set up as the host: eth0 with its addresses (IPv4 /24, IPv6 /64), lo up. */
  function hostNamespace(ips: readonly string[]): string {
    const ns = `lvspcap-cmd-${process.pid}-${created.length}`;
    execFileSync('ip', ['netns', 'add', ns]);
    created.push(ns);
    const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args]);
    execFileSync('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', 'peer0', 'netns', ns]);
    ip('link', 'set', 'lo', 'up');
    ip('link', 'set', 'peer0', 'up');
    ip('link', 'set', 'eth0', 'up');
    for (const a of ips) ip('addr', 'add', a.includes(':') ? `${a}/64` : `${a}/24`, 'dev', 'eth0', ...(a.includes(':') ? ['nodad'] : []));
    return ns;
  }

  function run(ns: string | undefined, command: string): { status: number; output: string } {
    const argv = ns === undefined ? ['sh', '-c', command] : ['ip', 'netns', 'exec', ns, 'sh', '-c', command];
    const p = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    return { status: p.status ?? -1, output: `${p.stdout}${p.stderr}`.trim() };
  }

  it('ip, sysctl, tc, ss and journalctl commands exit 0; persisted lines name existing keys', async () => {
    await collect();
    const byHost = new Map<string, { ips: string[]; commands: Set<string>; persist: Set<string> }>();
    for (const u of uses) {
      const h = u.remediation.host;
      const found = topologyHosts(u.fixture).find((t) => (h.mac !== undefined ? t.macs.includes(h.mac) : h.ip !== undefined && t.ips.includes(h.ip)));
      const key = `${found?.macs.join(',') ?? 'capture'}|${found?.ips.join(',') ?? ''}`;
      const entry = byHost.get(key) ?? { ips: found?.ips ?? [], commands: new Set<string>(), persist: new Set<string>() };
      for (const c of u.remediation.commands) entry.commands.add(c);
      for (const l of u.remediation.persist?.lines ?? []) entry.persist.add(l);
      byHost.set(key, entry);
    }
    const problems: string[] = [];
    const counts = { ip: 0, sysctl: 0, journalctl: 0, tc: 0, ss: 0 };
    for (const [key, host] of byHost) {
      const runnable = [...host.commands].filter((c) => !c.startsWith('ipvsadm ') && !/net\.ipv4\.vs\./.test(c));
      if (runnable.length === 0 && host.persist.size === 0) continue;
      const ns = hostNamespace(host.ips);
      for (const c of runnable) {
        const program = c.split(' ')[0]!;
        if (program !== 'ip' && program !== 'sysctl' && program !== 'journalctl' && program !== 'tc' && program !== 'ss') {
          problems.push(`${key}: ${c}: no way to check ${program}`);
          continue;
        }
        counts[program]++;
        // The route a fix deletes must be there to be deleted: put it in first.
        const del = /^ip (-6 )?route del (\S+) via (\S+)$/.exec(c);
        if (del) run(ns, `ip ${del[1] ?? ''}route add ${del[2]} via ${del[3]}`);
        if (program === 'journalctl' && !hasJournalctl) {
          // No systemd here: the form journalctl(1) documents for a unit and a time window.
          if (!/^journalctl -u [\w@.-]+ --since @\d+ --until @\d+$/.test(c)) problems.push(`${key}: ${c}: not journalctl -u UNIT --since @T --until @T`);
          continue;
        }
        const r = run(program === 'journalctl' ? undefined : ns, c);
        if (r.status !== 0) problems.push(`${key}: ${c}: exit ${r.status}: ${r.output}`);
      }
      for (const line of host.persist) {
        const m = /^([\w.]+) = (\S+)$/.exec(line);
        if (!m) problems.push(`${key}: persisted line '${line}' is not "key = value"`);
        else if (!IPVS_SYSCTLS.has(m[1]!) && run(ns, `sysctl -n ${m[1]}`).status !== 0) problems.push(`${key}: persisted line '${line}': no such key`);
      }
    }
    expect(counts.ip).toBeGreaterThan(0);
    expect(counts.sysctl).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
