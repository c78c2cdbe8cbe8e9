import { defineRule } from './define.js';
import { directRouting, routeReplies } from './fixes.js';
import type { Remediation } from '../result/result.js';

/** DR replies leave the real server straight for the client or its router, never via the director. */
export default defineRule({
  id: 'reply-direct',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: "replies go from the real server straight to the client (or its router), not through the director",
    rationale:
      'Direct routing scales because replies bypass the director. A real server whose route to the client points at the director doubles the director\'s load; the director also sees packets from its own VIP and drops them as martians (unless accept_local=1) or sends ICMP redirects. A director that emits the replies itself is doing NAT.',
    remediation: [
      "Clients behind a router: on each real server, ip route replace default via <your router's address> (IPv6: ip -6 route replace default via ...)",
      'Clients on the segment: on each real server, delete the route that sends them via the director: ip route del <client>/32 via <director>',
      'If the director emits the replies, it does NAT: ipvsadm -e -t {vip}:{port} -r <rs>:{port} -g',
    ],
    observability: "needs the reply frames with their MACs: a mirror port, the RS's port or the director",
  },
  messages: {
    toDirector: 'reply from {source} is sent to the director ({mac}) instead of straight to the client',
    fromDirector: 'the director ({mac}) emits replies to the client: replies must come from the real server',
  },
  create(context) {
    return {
      flowEnd(flow) {
        const leg = flow.replies.find((l) => l.role === 'reply-to-director' || l.role === 'reply-from-director');
        if (!leg) return;
        const a = context.analysis;
        const toDirector = leg.role === 'reply-to-director';
        const family = flow.vip.ip.includes(':') ? 6 : 4;
        const rsMac = toDirector ? leg.srcMac : flow.forwarded[0]?.dstMac;
        const rs = a.host(rsMac, family, { ip: leg.srcIp !== flow.vip.ip && toDirector ? leg.srcIp : undefined, unknownAs: 'real-server' });
        const director = a.host(toDirector ? leg.dstMac : leg.srcMac, family, { unknownAs: 'director' });
        const remediation: Remediation[] = [];
        if (toDirector) {
          const sender = flow.toDirector[0]?.srcMac ?? flow.bypass[0]?.srcMac;
          remediation.push(routeReplies(rs, a.clientGateway(flow.client.ip, sender), flow.client.ip, director.ip));
        } else if (rs.ip !== undefined) {
          const copy = flow.forwarded[0];
          remediation.push(
            directRouting(director, flow.vip.ip, flow.vip.port, flow.proto, rs.ip, copy?.dstPort ?? flow.vip.port, 'it emits the replies itself: it un-NATs what the real server sent (NAT) instead of letting the real server answer the client'),
          );
        } else {
          remediation.push({
            id: 'director-dr-mode',
            host: director,
            commands: [],
            manual: 'set the real servers of this service to direct routing (ipvsadm -e ... -g; keepalived: lb_kind DR)',
            why: 'it emits the replies itself (NAT); the capture does not show which real server answered',
          });
        }
        context.report({
          messageId: toDirector ? 'toDirector' : 'fromDirector',
          data: {
            source: `${leg.srcIp}:${leg.srcPort}`,
            mac: (toDirector ? leg.dstMac : leg.srcMac) ?? '?',
            ...(rs.ip !== undefined ? { rsIp: rs.ip } : {}),
            vip: flow.vip.ip,
            port: flow.vip.port,
          },
          frames: [leg.first],
          remediation,
        });
      },
    };
  },
});
