/**
 * Root causes: one NAT director shows as director-l2-only, reply-direct and reply-src-vip on
 * every flow; one real server with arp_ignore=0 as rs-arp-reply-vip, duplicate-address,
 * client-bypass on every poisoned client's flows. A report should lead with the cause and its
 * fix and list those findings under it. Each finding goes to the first cause below that claims
 * it; what none claims is grouped by rule. A cause's fix is its findings' fixes merged per host
 * (each command once), put in the order to apply them: real servers, routers, directors, then
 * the clients whose caches were poisoned.
 */
import type { AnalysisView } from '../result/views.js';
import type { Cause, Finding, HostRef, Remediation, Severity } from '../result/result.js';
import { arpSysctls, directRouting, ROUTER_PLACEHOLDER, serviceOnVip, vipOnLo } from '../rules/fixes.js';
import { hostId, hostText } from '../result/hosts.js';

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Hosts in the order their changes are applied; and changes on one host, in order. */
const ROLE_ORDER: Record<HostRef['role'], number> = { 'real-server': 0, host: 1, router: 2, director: 3, client: 4, 'capture-point': 5 };
/** Rules whose fixes state a cause best, so their reasons win when fixes merge. */
const ROOT_RULES = ['vrrp-config', 'vrrp-split-brain', 'vrrp-silent-owner', 'director-l2-only', 'rs-arp-reply-vip', 'rs-arp-announce-vip', 'rs-nd-vip', 'no-reply', 'reply-direct', 'flow-affinity', 'not-forwarded'];
const rootRank = (rule: string): number => {
  const i = ROOT_RULES.indexOf(rule);
  return i < 0 ? ROOT_RULES.length : i;
};
const FIX_ORDER = [
  'rs-arp-sysctls',
  'vip6-to-lo',
  'vip-on-lo',
  'service-on-vip',
  'route-replies',
  'director-dr-mode',
  'allow-vrrp',
  'drop-stale-vip',
  'keepalived-restart',
  'flush-vip-neighbour',
];

interface Draft {
  id: string;
  findings: number[];
  headline: (members: Finding[]) => string;
  /** Changes the findings do not carry themselves (every real server, not only the ones seen). */
  extra?: (members: Finding[]) => Remediation[];
  /** The findings whose fixes make the cause's fix (default: all); the others are consequences only. */
  fixedBy?: (f: Finding) => boolean;
}

const flowKey = (f: Finding): string | undefined =>
  f.flow ? `${f.flow.proto} ${f.flow.client.ip} ${f.flow.client.port} ${f.flow.vip.ip} ${f.flow.vip.port}` : undefined;

const hasFix = (f: Finding, id: string): boolean => f.remediation.some((r) => r.id === id);

/** Host identity for merging: the MAC, else the address, else the role alone. */
function hostKey(h: HostRef): string {
  return h.mac ?? h.ip ?? h.role;
}

/** Hosts of one role named by the fixes of these findings, each once, in order. */
function hostsOf(members: readonly Finding[], role: HostRef['role']): HostRef[] {
  const seen = new Map<string, HostRef>();
  for (const f of members) for (const r of f.remediation) if (r.host.role === role && !seen.has(hostKey(r.host))) seen.set(hostKey(r.host), r.host);
  return [...seen.values()];
}

function list(hosts: readonly HostRef[], one: string, many: string): string {
  const names = hosts.map((h) => hostId(h) || hostText(h));
  if (names.length === 0) return many;
  return `${names.length === 1 ? one : many} ${names.join(', ')}`;
}

function countText(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Distinct values of a data field (VIPs, sources) in order. */
function distinct(members: readonly Finding[], pick: (f: Finding) => string | undefined): string[] {
  return [...new Set(members.map(pick).filter((x): x is string => x !== undefined))];
}

/**
 * Merges fixes: one entry per (change, host), its commands each once in order, persist lines
 * and manual steps joined. Then ordered: hosts by role (real servers first, poisoned clients
 * last), changes on a host in FIX_ORDER.
 */
export function mergeRemediation(items: readonly Remediation[]): Remediation[] {
  const merged = new Map<string, Remediation>();
  const order: string[] = [];
  for (const r of items) {
    // A change no command makes is kept apart per wording (each service its own step).
    const key = `${r.id}|${hostKey(r.host)}${r.commands.length === 0 ? `|${r.manual ?? ''}` : ''}`;
    const m = merged.get(key);
    if (m === undefined) {
      merged.set(key, { ...r, host: { ...r.host }, commands: [...r.commands], ...(r.persist ? { persist: { file: r.persist.file, lines: [...r.persist.lines] } } : {}) });
      order.push(key);
      continue;
    }
    for (const c of r.commands) if (!m.commands.includes(c)) m.commands.push(c);
    if (r.manual !== undefined && m.manual !== r.manual && !(m.manual ?? '').includes(r.manual)) m.manual = m.manual === undefined ? r.manual : `${m.manual}; ${r.manual}`;
    if (r.persist) {
      if (!m.persist) m.persist = { file: r.persist.file, lines: [] };
      for (const l of r.persist.lines) if (!m.persist.lines.includes(l)) m.persist.lines.push(l);
    }
    // A host known by more than one finding: keep the fullest name.
    if (m.host.ip === undefined && r.host.ip !== undefined) m.host.ip = r.host.ip;
  }
  const hostRank = new Map<string, number>();
  order.forEach((key, i) => {
    const h = merged.get(key)!.host;
    if (!hostRank.has(hostKey(h))) hostRank.set(hostKey(h), i);
  });
  const fixRank = (id: string): number => {
    const i = FIX_ORDER.indexOf(id);
    return i < 0 ? FIX_ORDER.length : i;
  };
  return order
    .map((k) => merged.get(k)!)
    .sort(
      (a, b) =>
        ROLE_ORDER[a.host.role] - ROLE_ORDER[b.host.role] ||
        compareAddresses(a.host, b.host) ||
        (hostRank.get(hostKey(a.host)) ?? 0) - (hostRank.get(hostKey(b.host)) ?? 0) ||
        fixRank(a.id) - fixRank(b.id),
    );
}

/** Hosts of one role in address order (IPv4 by number); hosts without an address after, as found. */
function compareAddresses(a: HostRef, b: HostRef): number {
  if (a.ip === undefined || b.ip === undefined) return (a.ip === undefined ? 1 : 0) - (b.ip === undefined ? 1 : 0);
  const parts = (ip: string): number[] => (ip.includes(':') ? ip.split(':').map((x) => parseInt(x || '0', 16)) : ip.split('.').map(Number));
  const x = parts(a.ip);
  const y = parts(b.ip);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Groups the findings (in their final order) into causes, and points each finding at its cause. */
export function findCauses(findings: Finding[], analysis: AnalysisView): Cause[] {
  const owner = new Array<number>(findings.length).fill(-1);
  const drafts: Draft[] = [];
  const claim = (d: Draft, pick: (f: Finding, i: number) => boolean): void => {
    findings.forEach((f, i) => {
      if (owner[i] === -1 && pick(f, i)) {
        owner[i] = drafts.length;
        d.findings.push(i);
      }
    });
    if (d.findings.length > 0) drafts.push(d);
  };

  // ---- the director does NAT: its copies go to the real servers' addresses, replies return through it
  const natFlows = new Set(
    findings
      .filter((f) => (f.rule === 'director-l2-only' && f.messageId === 'nat') || (f.rule === 'reply-direct' && f.messageId === 'fromDirector') || (f.rule === 'reply-src-vip' && hasFix(f, 'director-dr-mode')))
      .map(flowKey)
      .filter((k): k is string => k !== undefined),
  );
  claim(
    {
      id: 'nat-director',
      findings: [],
      extra: (m) => natToDirectRouting(m, analysis),
      headline: (m) =>
        `${list(hostsOf(m, 'director'), 'the director', 'the directors')} ${hostsOf(m, 'director').length > 1 ? 'do' : 'does'} NAT, not direct routing: client packets reach ${list(hostsOf(m, 'real-server'), 'real server', 'real servers')} rewritten to their own address, and the replies come back through the director`,
    },
    (f) => {
      const k = flowKey(f);
      return k !== undefined && natFlows.has(k) && (f.rule === 'director-l2-only' || f.rule === 'reply-direct' || f.rule === 'reply-src-vip' || f.rule === 'no-reply');
    },
  );
  claim(
    { id: 'tunnel-director', findings: [], headline: (m) => `${list(hostsOf(m, 'director'), 'the director', 'the directors')} encapsulates client packets (tunnel mode), not direct routing` },
    (f) => f.rule === 'director-l2-only' && f.messageId === 'tunnel',
  );
  claim(
    { id: 'director-rewrites', findings: [], headline: (m) => `${list(hostsOf(m, 'director'), 'the director', 'the directors')} changes the IP packets it forwards; direct routing hands them on unchanged` },
    (f) => f.rule === 'director-l2-only',
  );

  // ---- VRRP: two directors MASTER of one virtual router at once (split brain), or one holding the
  // VIP without keepalived. Both answer ARP for the VIP: the clients' duplicate answers and the
  // directors' conflicting claims are consequences, and the wrong VRID or unicast_peer the cause.
  const macsIn = (text: unknown): string[] => (typeof text === 'string' ? (text.match(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi) ?? []) : []);
  const splitMacs = new Set(findings.filter((f) => f.rule === 'vrrp-split-brain').flatMap((f) => [...macsIn(f.data.a), ...macsIn(f.data.b)]));
  const silentMacs = new Set(findings.filter((f) => f.rule === 'vrrp-silent-owner').flatMap((f) => (f.mac !== undefined ? [f.mac] : [])));
  /** A consequence of two directors holding the VIP: every MAC it names is one of them. */
  const amongDirectors = (f: Finding, macs: ReadonlySet<string>): boolean => {
    if (macs.size === 0) return false;
    if (f.rule === 'duplicate-address') {
      const named = macsIn(f.data.macs);
      return named.length > 0 && named.every((m) => macs.has(m) || analysis.isDirectorMac(m));
    }
    return f.rule === 'vip-mac-conflict' && f.mac !== undefined && macs.has(f.mac);
  };
  claim(
    {
      id: 'vrrp-split-brain',
      findings: [],
      // Its fix is the directors hearing each other; the takeover's log lines are no change.
      fixedBy: (f) => f.rule !== 'vip-owner-change',
      headline: (m) => {
        const sb = m.filter((f) => f.rule === 'vrrp-split-brain');
        const pairs = distinct(sb, (f) => `${f.data.a} and ${f.data.b} are both VRRP MASTER of ${f.data.router}`);
        const answers = m.some((f) => f.rule === 'duplicate-address' || f.rule === 'vip-mac-conflict');
        return `split brain: ${pairs.join('; ')}${answers ? ', and both answer for the VIP' : ''}`;
      },
    },
    (f) =>
      f.rule === 'vrrp-split-brain' ||
      (splitMacs.size > 0 && f.rule === 'vrrp-config') ||
      amongDirectors(f, splitMacs) ||
      // The VIP moving between the two is the second MASTER taking it, not a failover.
      (f.rule === 'vip-owner-change' && [...macsIn(f.data.from), ...macsIn(f.data.to)].every((m) => splitMacs.has(m)) && macsIn(f.data.to).length > 0),
  );
  claim(
    {
      id: 'vrrp-silent-owner',
      findings: [],
      headline: (m) =>
        m
          .filter((f) => f.rule === 'vrrp-silent-owner')
          .map((f) => `${f.data.mac} holds the VIP ${f.data.ip} without keepalived: it answers for it while ${f.data.rival} is VRRP MASTER, and sends no advert`)
          .join('; '),
    },
    (f) => f.rule === 'vrrp-silent-owner' || amongDirectors(f, silentMacs),
  );
  claim(
    { id: 'vrrp-config', findings: [], headline: (m) => `the directors' VRRP adverts differ from their keepalived.conf: ${m.map((f) => f.message).join('; ')}` },
    (f) => f.rule === 'vrrp-config',
  );

  // ---- real servers claim the VIP (ARP replies, their own ARP requests, IPv6 advertisements): clients bypass the director
  const claimRules = new Set(['rs-arp-reply-vip', 'rs-arp-announce-vip', 'rs-nd-vip']);
  claim(
    {
      id: 'rs-claim-vip',
      findings: [],
      headline: (m) => rsClaimHeadline(m),
      extra: (m) => {
        // Every real server of an IPv4 VIP needs the two settings, not only those caught claiming it.
        if (!m.some((f) => (f.flow ? !f.flow.vip.ip.includes(':') : f.remediation.some((r) => r.id === 'rs-arp-sysctls')))) return [];
        const known = analysis.realServerHosts(4);
        const out = known.map((h) => arpSysctls(h, 'a real server of the same VIP: the same settings keep it from answering ARP for the VIP or announcing it'));
        if (analysis.realServersGiven) return out;
        // Real servers the capture never shows (a poisoned client stops reaching them) need them
        // too: the director's table lists them.
        const named = [...hostsOf(m, 'real-server'), ...known].map((h) => h.ip ?? h.mac ?? '').filter((x, i, all) => x !== '' && all.indexOf(x) === i);
        const on = analysis.directorHosts(4)[0] ?? hostsOf(m, 'real-server')[0];
        if (on === undefined) return out;
        out.push({
          id: 'rs-arp-sysctls-everywhere',
          host: on,
          commands: [],
          manual: `on every other real server of the VIP (the director's table lists them: ipvsadm -Ln): sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2`,
          why: `the capture tells ${named.length > 0 ? `only ${named.join(', ')}` : 'none'} apart as ${named.length === 1 ? 'a real server' : 'real servers'} of the VIP; every real server of it needs these settings`,
        });
        return out;
      },
    },
    (f) =>
      claimRules.has(f.rule) ||
      f.rule === 'client-bypass' ||
      (f.rule === 'duplicate-address' && hasFix(f, 'flush-vip-neighbour')) ||
      (f.rule === 'vip-mac-conflict' && !hasFix(f, 'one-director-owns-vip')),
  );

  claim(
    {
      id: 'replies-via-director',
      findings: [],
      headline: (m) =>
        `${list(hostsOf(m, 'real-server'), 'real server', 'real servers')} ${hostsOf(m, 'real-server').length > 1 ? 'send their' : 'sends its'} replies through the director (${distinct(m, (f) => (typeof f.data.mac === 'string' ? f.data.mac : undefined)).join(', ')}): the route to the clients points at it instead of ${routeTarget(m)} (${countText(m.length, 'flow', 'flows')})`,
    },
    (f) => f.rule === 'reply-direct',
  );
  // A real server that drops what it is sent is retransmitted to far more than its peers:
  // rs-health's finding on it is a consequence of that cause, not a second sickness to look for.
  const silentRs = new Map([...realServerMacs(findings.filter((f) => f.rule === 'no-reply'))].map((mac) => [mac, Infinity]));
  // So is one whose connections the director stopped forwarding (it sends again what is never
  // acknowledged), when no more of its connections retransmitted than were stopped: a lossy
  // server with one stopped connection stays a cause of its own. rs-health cites each
  // connection's first retransmission, so its frames count those connections.
  const stoppedRs = new Map<string, number>();
  for (const f of findings.filter((x) => x.rule === 'not-forwarded' && hasFix(x, 'expire-nodest-conn'))) {
    for (const mac of realServerMacs([f])) stoppedRs.set(mac, (stoppedRs.get(mac) ?? 0) + 1);
  }
  const healthOf =
    (connections: ReadonlyMap<string, number>) =>
    (f: Finding): boolean =>
      f.rule === 'rs-health' && f.mac !== undefined && (f.messageId === 'retransmits' ? f.frames.length <= (connections.get(f.mac) ?? 0) : connections.get(f.mac) === Infinity);
  claim(
    {
      id: 'rs-silent',
      findings: [],
      fixedBy: (f) => f.rule === 'no-reply',
      headline: (m) => {
        const rs = hostsOf(m.filter((f) => f.rule === 'no-reply'), 'real-server');
        const silent = m.filter((f) => f.rule === 'no-reply');
        return `${list(rs, 'real server', 'real servers')} never ${rs.length > 1 ? 'answer' : 'answers'} what the director forwards to ${rs.length > 1 ? 'them' : 'it'} (${countText(silent.length, 'flow', 'flows')}): silently dropped, as by a host without the VIP ${distinct(silent, (f) => f.flow?.vip.ip).join(', ')} on lo`;
      },
    },
    (f) => f.rule === 'no-reply' || healthOf(silentRs)(f),
  );
  claim(
    {
      id: 'reply-source',
      findings: [],
      headline: (m) => {
        const rs = hostsOf(m, 'real-server');
        const protos = distinct(m, (f) => f.flow?.proto.toUpperCase()).join(' and ');
        const services = distinct(m, (f) => (f.flow ? `${f.flow.vip.ip.includes(':') ? `[${f.flow.vip.ip}]` : f.flow.vip.ip}:${f.flow.vip.port}` : undefined));
        const sources = distinct(m, (f) => String(f.data.source ?? ''));
        const vips = distinct(m, (f) => f.flow?.vip.ip);
        const fromOwn = m.every((f) => f.flow !== undefined && !String(f.data.source ?? '').startsWith(`${f.flow.vip.ip}:`) && !String(f.data.source ?? '').startsWith(`[${f.flow.vip.ip}]:`));
        const how = fromOwn ? `from ${rs.length > 1 ? 'their' : 'its'} own address instead of ${vips.join(', ')} (${sources.slice(0, 3).join(', ')}): bound to every address, a UDP service answers from the address the route picks` : `from another port than the one the client sent to (${sources.slice(0, 3).join(', ')})`;
        return `the ${protos} service ${services.join(', ')} on ${list(rs, 'real server', 'real servers')} answers ${how}`;
      },
    },
    (f) => f.rule === 'reply-src-vip',
  );
  claim(
    {
      id: 'per-packet-director',
      findings: [],
      headline: (m) => `${list(hostsOf(m, 'director'), 'the director', 'the directors')} sends the packets of one connection to several real servers (${countText(m.length, 'flow', 'flows')}): it schedules per packet, not per connection`,
    },
    (f) => f.rule === 'flow-affinity',
  );
  // A connection forwarded, then dropped: its real server went away. Copies of those flows to a
  // MAC that is no longer a real server (the table given is the one after the removal) are the same event.
  const stoppedFlows = new Set(findings.filter((f) => f.rule === 'not-forwarded' && hasFix(f, 'expire-nodest-conn')).map(flowKey));
  claim(
    {
      id: 'director-drops',
      findings: [],
      // A copy to the removed real server is what the table given no longer lists: nothing to remove.
      fixedBy: (f) => f.rule === 'not-forwarded',
      headline: (m) => {
        const dropped = m.filter((f) => f.rule === 'not-forwarded');
        const rs = distinct(dropped, (f) => (typeof f.data.rs === 'string' ? f.data.rs : undefined));
        return m.some((f) => hasFix(f, 'expire-nodest-conn'))
          ? `${list(hostsOf(m, 'director'), 'the director', 'the directors')} stops forwarding ${countText(dropped.length, 'connection', 'connections')} it had forwarded${rs.length > 0 ? ` to ${rs.join(', ')}` : ''}: that real server was removed (ipvsadm -d) or became unavailable while they were open`
          : `${list(hostsOf(m, 'director'), 'the director', 'the directors')} drops client packets instead of forwarding them (${countText(m.length, 'flow', 'flows')})`;
      },
    },
    (f) => f.rule === 'not-forwarded' || (f.rule === 'forwarded-to-known-rs' && stoppedFlows.has(flowKey(f))) || healthOf(stoppedRs)(f),
  );
  claim(
    {
      id: 'unknown-real-server',
      findings: [],
      headline: (m) => `the director forwards to ${distinct(m, (f) => f.mac).join(', ')}, no real server given (${countText(m.length, 'flow', 'flows')})`,
    },
    (f) => f.rule === 'forwarded-to-known-rs',
  );
  claim(
    { id: 'two-directors', findings: [], headline: (m) => `two directors claim the VIP at once: ${list(hostsOf(m, 'director'), 'director', 'directors')}` },
    (f) => f.rule === 'vip-mac-conflict',
  );
  claim(
    {
      id: 'failover',
      findings: [],
      headline: (m) => `failover: ${m.map((f) => `the VIP ${f.data.ip} moved from ${f.data.from} to ${f.data.to} (frame ${f.data.frame})`).join('; ')}`,
    },
    (f) => f.rule === 'vip-owner-change',
  );
  claim(
    { id: 'scheduling-differs', findings: [], headline: (m) => `the director's scheduling differs from the configuration given: ${m.map((f) => `${f.service ?? ''} ${f.message}`).join('; ')}` },
    (f) => f.rule === 'rs-share',
  );
  claim(
    {
      id: 'persistence-broken',
      findings: [],
      headline: (m) => `${countText(m.length, 'connection', 'connections')} of ${distinct(m, (f) => f.service).join(', ')} left their client's real server within the persistence timeout`,
    },
    (f) => f.rule === 'persistence',
  );
  claim(
    { id: 'quiesced-still-scheduled', findings: [], headline: (m) => m.map((f) => `${f.service ?? ''}: ${f.message}`).join('; ') },
    (f) => f.rule === 'quiesced-rs',
  );
  claim({ id: 'vip-unreached', findings: [], headline: (m) => m.map((f) => f.message).join('; ') }, (f) => f.rule === 'vip-unreached');
  // Whatever is left (several hosts answering for an address that is no VIP, a new rule): one cause per rule.
  for (const rule of [...new Set(findings.filter((_, i) => owner[i] === -1).map((f) => f.rule))]) {
    claim({ id: rule, findings: [], headline: (m) => (m.length === 1 ? m[0]!.message : `${rule}: ${m.length} findings, first: ${m[0]!.message}`) }, (f) => f.rule === rule);
  }

  const causes = drafts.map((d): Cause => {
    const members = d.findings.map((i) => findings[i]!);
    const severity = members.reduce<Severity>((s, f) => (SEVERITY_RANK[f.severity] < SEVERITY_RANK[s] ? f.severity : s), 'info');
    const byRoot = members.filter((f) => d.fixedBy?.(f) ?? true).sort((a, b) => rootRank(a.rule) - rootRank(b.rule));
    const remediation = mergeRemediation([...byRoot.flatMap((f) => f.remediation), ...(d.extra?.(members) ?? [])]);
    return { id: d.id, severity, headline: d.headline(members), findings: d.findings, remediation };
  });
  const order = causes.map((c, i) => i).sort((a, b) => SEVERITY_RANK[causes[a]!.severity] - SEVERITY_RANK[causes[b]!.severity] || causes[a]!.findings[0]! - causes[b]!.findings[0]!);
  const newIndex = new Map(order.map((old, i) => [old, i]));
  findings.forEach((f, i) => {
    f.cause = newIndex.get(owner[i]!) ?? -1;
  });
  return order.map((i) => causes[i]!);
}

/**
 * Direct routing for every real server of every service the director NATs, not only the pairs
 * the capture caught: a real server that got no UDP query here gets them once the director
 * forwards with -g, and must be ready (the VIP on lo, quiet about it, its services on the VIP).
 */
function natToDirectRouting(m: readonly Finding[], analysis: AnalysisView): Remediation[] {
  const director = hostsOf(m, 'director')[0];
  const services = new Map<string, { vip: string; port: number; proto: 'tcp' | 'udp' }>();
  for (const f of m) if (f.flow) services.set(`${f.flow.proto} ${f.flow.vip.ip} ${f.flow.vip.port}`, { vip: f.flow.vip.ip, port: f.flow.vip.port, proto: f.flow.proto });
  const done = new Set(m.flatMap((f) => f.remediation.filter((r) => r.id === 'director-dr-mode').flatMap((r) => r.commands)));
  const out: Remediation[] = [];
  const why = 'a real server of a service the director NATs: in direct routing it gets packets addressed to the VIP';
  for (const svc of services.values()) {
    const family = svc.vip.includes(':') ? 6 : 4;
    for (const rs of analysis.realServerHosts(family)) {
      if (family === 4) out.push(arpSysctls(rs, 'in direct routing it carries the VIP, and must neither answer ARP for it nor announce it'));
      out.push(vipOnLo(rs, svc.vip, `in direct routing the director's copies are addressed to the VIP, which it must own (on lo)`));
      out.push(serviceOnVip(rs, svc.vip, svc.port, svc.proto, 'in direct routing requests arrive addressed to the VIP, and replies must come from it'));
      if (director === undefined || rs.ip === undefined) continue;
      const r = directRouting(director, svc.vip, svc.port, svc.proto, rs.ip, svc.port, `${why} (keepalived: lb_kind DR)`);
      // A pair the capture caught keeps its own line (its real server's port may differ under NAT).
      const target = r.commands[0]!.replace(/:\d+ -g$/, ':');
      if (![...done].some((c) => c.startsWith(target))) out.push(r);
    }
  }
  return out;
}

function rsClaimHeadline(m: readonly Finding[]): string {
  const macsOf = (rule: string): string[] => distinct(m.filter((f) => f.rule === rule), (f) => f.mac);
  const vips = distinct(m, (f) => (f.flow ? f.flow.vip.ip : typeof f.data.vip === 'string' ? f.data.vip : typeof f.data.ip === 'string' ? f.data.ip : undefined));
  const named = (macs: string[]): string => {
    const hosts = hostsOf(m, 'real-server').filter((h) => h.mac !== undefined && macs.includes(h.mac));
    return list(hosts.length > 0 ? hosts : macs.map((mac) => ({ role: 'real-server' as const, mac })), 'real server', 'real servers');
  };
  const parts: string[] = [];
  const replies = macsOf('rs-arp-reply-vip');
  const announces = macsOf('rs-arp-announce-vip');
  const adverts = macsOf('rs-nd-vip');
  if (replies.length > 0) parts.push(`${named(replies)} ${replies.length > 1 ? 'answer' : 'answers'} ARP requests for the VIP (arp_ignore=0)`);
  if (announces.length > 0) parts.push(`${named(announces)} ${announces.length > 1 ? 'announce' : 'announces'} the VIP in ${announces.length > 1 ? 'their' : 'its'} own ARP requests (arp_announce=0)`);
  if (adverts.length > 0) parts.push(`${named(adverts)} ${adverts.length > 1 ? 'advertise' : 'advertises'} the IPv6 VIP (it is on ${adverts.length > 1 ? 'their' : 'its'} network interface, not on lo)`);
  const bypass = m.filter((f) => f.rule === 'client-bypass');
  if (parts.length === 0) {
    const rs = distinct(bypass, (f) => f.mac);
    parts.push(rs.length > 0 ? `clients resolved the VIP to ${named(rs)}` : 'several hosts answer for the VIP');
  }
  const clients = distinct(bypass, (f) => f.flow?.client.ip);
  const consequence = bypass.length > 0 ? `: ${countText(clients.length, 'client', 'clients')} bypass${clients.length === 1 ? 'es' : ''} the director (${countText(bypass.length, 'flow', 'flows')})` : '';
  return `${parts.join('; ')}${vips.length > 0 ? ` [VIP ${vips.join(', ')}]` : ''}${consequence}`;
}

/** The MACs of the real servers these findings name: their fixes' hosts, and `rs` as not-forwarded words it. */
function realServerMacs(members: readonly Finding[]): Set<string> {
  const macs = new Set<string>();
  for (const h of hostsOf(members, 'real-server')) if (h.mac !== undefined) macs.add(h.mac);
  for (const f of members) {
    const m = typeof f.data.rs === 'string' ? /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(f.data.rs) : null;
    if (m) macs.add(m[1]!.toLowerCase());
  }
  return macs;
}

/** Where replies should go instead of the director: the clients' router(s) by name, or the clients. */
function routeTarget(m: readonly Finding[]): string {
  const commands = m.flatMap((f) => f.remediation.filter((r) => r.id === 'route-replies').flatMap((r) => r.commands));
  if (commands.some((c) => c.includes(ROUTER_PLACEHOLDER))) return "the clients' router";
  const routers = [...new Set(commands.map((c) => /default via (\S+)$/.exec(c)?.[1]).filter((x): x is string => x !== undefined))];
  if (routers.length > 0) return `the clients' router ${routers.join(', ')}`;
  return 'reaching the clients directly';
}
