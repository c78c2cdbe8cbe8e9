import { defineRule } from './define.js';

/** With the real servers known, a copy to any other MAC is a misdirected packet. */
export default defineRule({
  id: 'forwarded-to-known-rs',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'forwarded copies go to a configured real server MAC',
    rationale:
      'The director must only hand client packets to the real servers of the virtual service. A copy to another MAC means a stale real server entry, a wrong ARP entry on the director for an RS IP, or an RS IP now owned by another host.',
    remediation: [
      "Compare the director's table (ipvsadm -Ln) with the intended real servers and remove stale ones: ipvsadm -d -t {vip}:{port} -r <ip>",
      "Check the director's neighbour entry for the RS: ip neigh show {rsIp}",
    ],
    observability: 'runs only when real servers are given (--rs, --ipvsadm, --config); needs the copies with destination MAC',
  },
  messages: {
    unknown: 'forwarded to {mac}, which is not a known real server',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (!context.analysis.realServersGiven) return;
        for (const leg of flow.forwarded) {
          if (leg.dstMac === undefined || context.analysis.isRealServerMac(leg.dstMac)) continue;
          context.report({
            messageId: 'unknown',
            data: { mac: leg.dstMac, vip: flow.vip.ip, port: flow.vip.port, rsIp: leg.dstIp },
            frames: [leg.first],
            mac: leg.dstMac,
          });
          return;
        }
      },
    };
  },
});
