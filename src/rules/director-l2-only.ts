import { defineRule } from './define.js';
import { arpSysctls, directRouting, routeReplies, serviceOnVip, vipOnLo } from './fixes.js';
import type { Remediation } from '../result/result.js';
import type { FlowView, LegView } from '../result/views.js';
import type { RuleContext } from './define.js';

/** A DR director rewrites the Ethernet header and nothing else (but TTL-1). */
export default defineRule({
  id: 'director-l2-only',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: "the director's copy carries the client's IP packet unchanged; only the Ethernet header differs",
    rationale:
      'In direct routing the real server must receive the very packet the client sent to the VIP: it answers from the VIP straight to the client, so a rewritten destination (NAT), an added outer header (tunnel) or a modified packet means the director is not doing DR and replies will not match what the client expects. IPVS decrements the TTL by one since Linux 4.4; that and the recomputed header checksum are the only allowed changes.',
    remediation: [
      'On the director, set each real server to direct routing: ipvsadm -e -t {vip}:{port} -r {rsIp}:{port} -g (IPv6: -t [{vip}]:{port}; keepalived: lb_kind DR)',
      'On each real server: the VIP on lo (ip addr replace {vip}/32 dev lo) with arp_ignore=1 and arp_announce=2, replies routed to the clients\' router rather than the director, and the services listening on the VIP',
      'If no IPVS rule does it, find what rewrites VIP traffic on the director: nft list ruleset; iptables-save',
    ],
    observability: 'needs both the client frame to the director and the forwarded copy: a mirror port or the director itself',
  },
  messages: {
    nat: 'director rewrote the destination of the client packet ({changes}): this is NAT (masquerading), not direct routing',
    tunnel: 'director encapsulated the client packet ({changes}): this is tunnel mode, not direct routing',
    modified: 'director changed the IP packet while forwarding it ({changes}); only the Ethernet header may change',
  },
  create(context) {
    return {
      flowEnd(flow) {
        const d = flow.copyDifference;
        if (d === null) return;
        const rs = flow.forwarded[0]?.dstMac;
        const leg = flow.forwarded.find((l) => l.dstMac === rs) ?? flow.forwarded[0];
        context.report({
          messageId: d.mode,
          data: {
            changes: d.changes.join('; '),
            vip: flow.vip.ip,
            port: flow.vip.port,
            ...(rs && context.analysis.realServerIp(rs) !== undefined ? { rsIp: context.analysis.realServerIp(rs)! } : {}),
            copyFrame: d.copy.frame,
            originalFrame: d.original.frame,
          },
          frames: [d.copy, d.original],
          remediation: leg ? toDirectRouting(context, flow, leg, d.mode) : [],
        });
      },
    };
  },
});

/**
 * From NAT (or a tunnel) to direct routing: the director forwards with -g, and the real server
 * takes over what the director did for it: owning the VIP (on lo, never answering ARP for it),
 * answering from it, and sending its replies past the director.
 */
function toDirectRouting<M extends string>(context: RuleContext<M>, flow: FlowView, leg: LegView, mode: 'nat' | 'tunnel' | 'modified'): Remediation[] {
  const a = context.analysis;
  const family = flow.vip.ip.includes(':') ? 6 : 4;
  const director = a.host(leg.srcMac, family, { unknownAs: 'director' });
  if (mode === 'modified') {
    return [
      {
        id: 'director-rewrites',
        host: director,
        commands: [],
        manual: 'find the rule that changes VIP traffic on its way through the director (nft list ruleset; iptables-save) and remove it',
        why: 'the director forwards a packet that differs from the client\'s beyond the TTL: direct routing hands it on unchanged',
      },
    ];
  }
  // NAT sends the copy to the real server's own address; a tunnel's outer header does too.
  const rsIp = a.realServerIp(leg.dstMac ?? '') ?? (leg.dstIp !== flow.vip.ip ? leg.dstIp : undefined);
  const rs = a.host(leg.dstMac, family, { ip: rsIp, unknownAs: 'real-server' });
  const rsPort = mode === 'nat' ? leg.dstPort : flow.vip.port;
  const what = mode === 'nat' ? 'rewrites the destination of client packets to the real server (NAT)' : 'encapsulates client packets (tunnel mode)';
  const out: Remediation[] = [];
  if (rs.ip !== undefined) {
    out.push(directRouting(director, flow.vip.ip, flow.vip.port, flow.proto, rs.ip, rsPort, `it ${what} instead of handing them on unchanged (keepalived: lb_kind DR)`));
  } else {
    out.push({
      id: 'director-dr-mode',
      host: director,
      commands: [],
      manual: `set the real server with MAC ${leg.dstMac ?? '?'} to direct routing: ipvsadm -e with its address and -g (keepalived: lb_kind DR)`,
      why: `it ${what}; the capture does not show that real server's address`,
    });
  }
  if (family === 4) out.push(arpSysctls(rs, 'in direct routing it carries the VIP, and must neither answer ARP for it nor announce it'));
  out.push(vipOnLo(rs, flow.vip.ip, `in direct routing the director's copies are addressed to the VIP, which it must own (on lo)`));
  out.push(serviceOnVip(rs, flow.vip.ip, flow.vip.port, flow.proto, 'in direct routing requests arrive addressed to the VIP, and replies must come from it'));
  if (mode === 'nat') {
    const sender = flow.toDirector[0]?.srcMac;
    out.push(routeReplies(rs, a.clientGateway(flow.client.ip, sender), flow.client.ip, director.ip));
  }
  return out;
}
