import { defineRule } from './define.js';

/** The client talked to VIP:port; only an answer from VIP:port belongs to its connection. */
export default defineRule({
  id: 'reply-src-vip',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'replies to the client come from the VIP and the service port',
    rationale:
      "The client's socket is connected to VIP:port. A reply from the real server's own address (a UDP service bound to 0.0.0.0 answers from the address it picks for the route, or an RS without the VIP) matches no socket on the client: TCP answers RST, UDP answers ICMP port unreachable.",
    remediation: [
      'Put the VIP on the real server: ip addr add {vip}/32 dev lo (with arp_ignore=1, arp_announce=2)',
      'Bind the service to the VIP, or for UDP make it answer from the address the request was sent to (IP_PKTINFO / bind per address)',
    ],
    observability: 'needs the replies: a mirror port, the real server or the client',
  },
  messages: {
    wrongSource: 'reply to {client} comes from {source} instead of {vip}',
  },
  create(context) {
    return {
      flowEnd(flow) {
        for (const leg of flow.replies) {
          if (leg.srcIp === flow.vip.ip && leg.srcPort === flow.vip.port) continue;
          context.report({
            messageId: 'wrongSource',
            data: {
              client: `${flow.client.ip}:${flow.client.port}`,
              source: `${leg.srcIp}:${leg.srcPort}`,
              vip: `${flow.vip.ip}:${flow.vip.port}`,
            },
            frames: [leg.first],
          });
          return;
        }
      },
    };
  },
});
