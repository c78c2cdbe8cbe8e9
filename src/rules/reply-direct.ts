import { defineRule } from './define.js';

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
      "Give the real server a route to the client via the router, not the director: ip route replace default via <router-ip> (on {rsIp})",
      'If the director emits replies, it is in NAT mode: ipvsadm -e -t {vip}:{port} -r <rs-ip> -g',
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
        const toDirector = leg.role === 'reply-to-director';
        const rsMac = toDirector ? leg.srcMac : undefined;
        context.report({
          messageId: toDirector ? 'toDirector' : 'fromDirector',
          data: {
            source: `${leg.srcIp}:${leg.srcPort}`,
            mac: (toDirector ? leg.dstMac : leg.srcMac) ?? '?',
            rsIp: (rsMac && context.analysis.realServerIp(rsMac)) ?? leg.srcIp,
            vip: flow.vip.ip,
            port: flow.vip.port,
          },
          frames: [leg.first],
        });
      },
    };
  },
});
