import { defineRule } from './define.js';
import { ipvsadmTarget, serviceLabel } from '../result/service-label.js';
import { setWeight } from './fixes.js';

/** Weight 0 takes a real server out of scheduling: existing connections continue, no new ones. */
export default defineRule({
  id: 'quiesced-rs',
  kind: 'service',
  defaultSeverity: 'error',
  meta: {
    summary: 'a real server with weight 0 receives no new connection',
    rationale:
      'Setting an RS weight to 0 (ipvsadm -e ... -w 0) drains it for maintenance: IPVS keeps its existing connections but schedules nothing new to it. New connections after that mean the weight did not take effect (another director, a health checker restoring it, or a stale table). A configuration snapshot does not say when the RS was quiesced, so the rule reads the end of the capture: the RS must have stopped getting new connections while the others still got at least one full scheduling cycle of them.',
    remediation: [
      'Check the weight in force: ipvsadm -Ln {target} (and on the backup director)',
      'If keepalived manages the RS, set weight 0 in its config (or inhibit_on_failure) rather than with ipvsadm, which keepalived overwrites',
    ],
    observability: 'needs the new connections and which RS got each, to the end of the capture',
  },
  messages: {
    scheduled: 'real server {rs} has weight 0 but received {count} new {count|connection|connections} at the end of the capture (first: frame {frame})',
  },
  create(context) {
    return {
      balance(services) {
        for (const v of services) {
          if (!v.configured) continue;
          const rr = v.scheduler === 'rr';
          const cycle = 1 + v.realServers.reduce((n, r) => n + (r.weight !== undefined && r.weight > 0 ? (rr ? 1 : r.weight) : 0), 0);
          for (const rs of v.realServers) {
            if (rs.weight !== 0 || rs.mac === undefined) continue;
            // Walk back from the end: new connections to this RS count until the others have
            // had a full scheduling cycle, which is where the quiescing must have happened.
            const late = [];
            let others = 0;
            for (let i = v.connections.length - 1; i >= 0 && others < cycle; i--) {
              const c = v.connections[i]!;
              if (c.rsMac === rs.mac) late.unshift(c);
              else others++;
            }
            if (late.length === 0) continue;
            const service = serviceLabel(v);
            context.report({
              messageId: 'scheduled',
              data: { rs: rs.ip ?? rs.mac, count: late.length, frame: late[0]!.frame.frame, service, target: ipvsadmTarget(v) },
              frames: late.map((c) => c.frame),
              mac: rs.mac,
              service,
              remediation:
                rs.ip === undefined
                  ? []
                  : context.analysis.directorHosts(v.vip.includes(':') ? 6 : 4).map((d) =>
                      setWeight(d, v, rs.ip!, 0, `it still schedules new connections to ${rs.ip}, whose weight is 0 in the configuration given; if keepalived manages it, set weight 0 (or inhibit_on_failure) in its configuration instead: it rewrites the table`),
                    ),
            });
          }
        }
      },
    };
  },
});
