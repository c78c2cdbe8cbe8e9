import { defineRule } from './define.js';
import { ipvsServer, ipvsService } from './fixes.js';

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
      "If the host is no real server of the service, remove it from the director's table: ipvsadm -d -t {vip}:{port} -r {hostIp}:{port}",
      'If it is one (a new real server, or a real server whose MAC changed), give the topology again with it (--rs IP=MAC, or a fresh ipvsadm -Ln)',
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
          const family = flow.vip.ip.includes(':') ? 6 : 4;
          const director = context.analysis.host(leg.srcMac, family, { unknownAs: 'director' });
          // In DR the copy still carries the VIP: the host's own address comes from its ARP/ND claims.
          const target = context.analysis.host(leg.dstMac, family);
          const service = ipvsService(flow.vip.ip, flow.vip.port, flow.proto);
          context.report({
            messageId: 'unknown',
            data: { mac: leg.dstMac, vip: flow.vip.ip, port: flow.vip.port, ...(target.ip !== undefined ? { hostIp: target.ip } : {}) },
            frames: [leg.first],
            mac: leg.dstMac,
            remediation: [
              target.ip !== undefined
                ? {
                    id: 'remove-unknown-rs',
                    host: director,
                    commands: [`ipvsadm -d ${service} -r ${ipvsServer(target.ip, flow.vip.port)}`],
                    why: `it forwards to ${target.ip} (${leg.dstMac}), which is no real server given; if that host should be one, give it (--rs ${target.ip}=${leg.dstMac}) instead of removing it`,
                  }
                : {
                    id: 'remove-unknown-rs',
                    host: director,
                    commands: [],
                    manual: `find the real server entry that resolves to ${leg.dstMac} (ipvsadm -Ln ${service}; ip neigh show) and remove it with ipvsadm -d, or give that host as a real server (--rs IP=${leg.dstMac})`,
                    why: `it forwards to ${leg.dstMac}, which is no real server given; the capture does not show that host's address`,
                  },
            ],
          });
          return;
        }
      },
    };
  },
});
