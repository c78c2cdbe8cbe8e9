import { defineRule } from './define.js';
import { ipvsService, SYSCTL_FILE } from './fixes.js';

/** A client packet that reached the director must come out again as a copy. */
export default defineRule({
  id: 'not-forwarded',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'a client packet that reached the director is forwarded to a real server',
    rationale:
      "A packet the director swallows never reaches a real server: the client retransmits and the connection times out. IPVS drops packets of connections whose real server was removed, and a packet that matches no virtual service reaches the director's own stack (which answers RST from the VIP).",
    remediation: [
      'Packets of a connection the director had forwarded: its real server was removed or is unavailable; sysctl -w net.ipv4.vs.expire_nodest_conn=1 makes IPVS drop such a connection at once (the client gets an RST from the director), and drain a real server (weight 0) before removing it',
      'Packets the director never forwarded: give the virtual service real servers (ipvsadm -Ln -t {vip}:{port} lists them), and look for what drops them: nft list ruleset, the kernel log',
    ],
    observability: "needs the director's egress: a mirror port or a capture on the director",
  },
  messages: {
    dropped: '{count} client {count|packet|packets} to the director {count|was|were} not forwarded to any real server (first: frame {frame})',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (!flow.observable.forwarding) return;
        let count = 0;
        let first = null;
        for (const leg of flow.toDirector) {
          if (leg.uncopied === 0 || leg.firstUncopied === null) continue;
          count += leg.uncopied;
          if (first === null || leg.firstUncopied.frame < first.frame) first = leg.firstUncopied;
        }
        if (first === null) return;
        const director = context.analysis.host(flow.toDirector[0]?.dstMac, flow.vip.ip.includes(':') ? 6 : 4, { unknownAs: 'director' });
        const service = ipvsService(flow.vip.ip, flow.vip.port, flow.proto);
        // Forwarded before, dropped after: IPVS keeps a connection whose real server went away
        // (ipvsadm -d, or a failed health check without inhibit) and drops its packets.
        const stopped = flow.forwarded.length > 0;
        const rsMac = flow.forwarded[0]?.dstMac;
        // By its own address, also when it is no longer among the real servers given.
        const rsIp = rsMac !== undefined ? context.analysis.host(rsMac, flow.vip.ip.includes(':') ? 6 : 4).ip : undefined;
        context.report({
          messageId: 'dropped',
          data: {
            count,
            frame: first.frame,
            vip: flow.vip.ip,
            port: flow.vip.port,
            // The real server it forwarded the flow to before it stopped.
            ...(rsMac !== undefined ? { rs: rsIp !== undefined ? `${rsIp} (${rsMac})` : rsMac } : {}),
          },
          frames: [first],
          remediation: [
            stopped
              ? {
                  id: 'expire-nodest-conn',
                  host: director,
                  commands: ['sysctl -w net.ipv4.vs.expire_nodest_conn=1'],
                  persist: { file: SYSCTL_FILE, lines: ['net.ipv4.vs.expire_nodest_conn = 1'] },
                  why: `it forwarded this connection, then dropped the rest of it: its real server was removed (ipvsadm -d) or is unavailable; with expire_nodest_conn=1 IPVS ends such connections at once instead of dropping their packets until they time out. Drain a real server (ipvsadm -e ... -w 0) before removing it`,
                }
              : {
                  id: 'service-drops',
                  host: director,
                  commands: [],
                  manual: `find why the director forwards nothing of it: the virtual service and its real servers (ipvsadm -Ln ${service}), firewall rules (nft list ruleset), the kernel log`,
                  why: 'client packets reached it and none was forwarded to a real server',
                },
          ],
        });
      },
    };
  },
});
