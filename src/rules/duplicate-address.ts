import { defineRule } from './define.js';
import { arpSysctls, flushVipNeighbour, unknownV6, vip6ToLo } from './fixes.js';
import type { HostRef, Remediation } from '../result/result.js';
import type { AddressView, AnalysisView, DuplicateAnswerView } from '../result/views.js';

/**
 * One ARP request (or Neighbor Solicitation) answered by several MACs: a duplicate address in
 * fact, as arpwatch and Wireshark's duplicate-address detection see it, whatever the topology.
 */
export default defineRule({
  id: 'duplicate-address',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'one ARP request (or IPv6 Neighbor Solicitation) gets one answer, never several',
    rationale:
      "When several hosts answer for one address, every host that asks binds it to whichever answer it keeps (Linux keeps the first inside its ARP locktime): which one depends on delivery order alone. For a DR VIP the other answers come from real servers with arp_ignore=0 (IPv6: the VIP on a real server's eth0 instead of lo), and every client that kept one sends all its connections straight to that real server: balancing silently stops and the director never sees them.",
    remediation: [
      'On each real server that answered: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2; IPv6: the VIP on lo only (ip -6 addr flush to {ip}/128; ip -6 addr replace {ip}/128 dev lo)',
      'Then, on each host that asked: ip neigh flush to {ip} (IPv6: ip -6 neigh flush to {ip}), or wait for the entry to expire',
    ],
    observability: 'needs the request and its answers: a mirror port, or the requester\'s port (which receives every answer)',
  },
  messages: {
    answered:
      '{ip} answered by {count} MACs to one {request}: {order}; {kept}{more}',
  },
  create(context) {
    return {
      addresses(addresses) {
        for (const address of addresses) {
          const events = address.duplicateAnswers;
          const first = events[0];
          if (!first) continue;
          const frames = events.flatMap((e) => e.answers.map((a) => a.frame)).sort((a, b) => a.capture - b.capture || a.frame - b.frame);
          const macs = [...new Set(events.flatMap((e) => e.answers.map((a) => a.mac)))];
          const answer = (a: DuplicateAnswerView['answers'][number]): string => {
            const role = a.role === 'director' ? 'director, ' : a.role === 'rs' ? 'real server, ' : '';
            return `${a.mac} (${role}${context.analysis.frameLabel(a.frame)})`;
          };
          context.report({
            messageId: 'answered',
            data: {
              ip: address.ip,
              count: macs.length,
              macs: macs.join(', '),
              request: requestText(first, address.family, context.analysis.frameLabel),
              order: first.answers.map(answer).join(', '),
              kept: keptText(first, context.analysis.frameLabel),
              more: events.length > 1 ? `; ${events.length - 1} more request${events.length === 2 ? '' : 's'} answered the same way` : '',
              requests: events.length,
            },
            frames,
            remediation: fixes(context.analysis, address),
            // For a VIP this is the DR failure itself; another address answered twice may be a
            // router's proxy ARP, worth knowing but not the LVS's fault.
            ...(address.isVip ? { certain: true } : { severity: 'warning' as const }),
          });
        }
      },
    };
  },
});

function requestText(e: DuplicateAnswerView, family: 4 | 6, label: (f: { capture: number; frame: number }) => string): string {
  const what = family === 6 ? 'Neighbor Solicitation' : 'ARP request';
  const who = e.requester.ip ? `${e.requester.ip} (${e.requester.mac})` : e.requester.mac;
  return e.request ? `${what} from ${who} (${label(e.request)})` : `${what} from ${who} (not in the capture)`;
}

function keptText(e: DuplicateAnswerView, label: (f: { capture: number; frame: number }) => string): string {
  if (!e.kept) return e.keptPending ? 'which answer the requester kept is not known yet' : 'the requester sent nothing to it afterwards';
  return `the requester kept ${e.kept.mac} (its next frame there, ${label(e.kept.frame)}, went to it)`;
}

/**
 * For a VIP: every answer but the director's comes from a host that carries the VIP without
 * keeping quiet about it, and every host that asked may have kept such an answer.
 */
function fixes(a: AnalysisView, address: AddressView): Remediation[] {
  const family = address.family;
  if (!address.isVip) {
    const hosts = [...new Set(address.duplicateAnswers.flatMap((e) => e.answers.map((x) => x.mac)))];
    return hosts.map((mac) => ({
      id: 'duplicate-owner',
      host: a.host(mac, family),
      commands: [],
      manual: `find out why it answers for ${address.ip} (ip addr show; a proxy ARP setting) and keep one owner of the address`,
      why: `it answered for ${address.ip} along with ${hosts.length - 1} other ${hosts.length === 2 ? 'host' : 'hosts'}`,
    }));
  }
  const out: Remediation[] = [];
  const seen = new Set<string>();
  for (const e of address.duplicateAnswers) {
    for (const answer of e.answers) {
      if (answer.role === 'director' || seen.has(answer.mac)) continue;
      seen.add(answer.mac);
      // Whoever answers for the VIP besides the director carries it: a real server, when the
      // capture shows which one the director is; otherwise a host of unknown role.
      const rs: HostRef = a.host(answer.mac, family);
      const frame = a.frameLabel(answer.frame);
      out.push(
        family === 4
          ? arpSysctls(rs, `it answers ARP requests for ${address.ip} (${frame}) along with ${rs.role === 'host' ? 'other hosts (on the director, which owns the VIP on its interface, these settings change nothing)' : 'the director'}`)
          : rs.role === 'host'
            ? unknownV6(rs, address.ip, frame)
            : vip6ToLo(rs, address.ip, `it answers Neighbor Solicitations for ${address.ip} (${frame}) along with the director`),
      );
    }
  }
  for (const e of address.duplicateAnswers) {
    if (seen.has(`requester ${e.requester.mac}`)) continue;
    seen.add(`requester ${e.requester.mac}`);
    const kept = e.kept ? `it kept ${e.kept.mac}'s answer` : 'it may have kept any of the answers';
    out.push(flushVipNeighbour(a.host(e.requester.mac, family, { ip: e.requester.ip, unknownAs: 'client' }), address.ip, `it asked for ${address.ip} and got several answers; ${kept}: flushed, its next packet asks again`));
  }
  return out;
}
