import { defineRule } from './define.js';
import { reassertService } from './fixes.js';
import { ipvsadmTarget, serviceLabel } from '../result/service-label.js';
import { clientNetwork } from './scheduling.js';

/** With persistence, one client (network) sticks to one real server for the timeout. */
export default defineRule({
  id: 'persistence',
  kind: 'service',
  defaultSeverity: 'error',
  meta: {
    summary: 'with persistence, every connection of one client (network) within the timeout goes to the same real server',
    rationale:
      'Persistence (ipvsadm -p T, keepalived persistence_timeout) exists because the application keeps state on the real server (sessions, SSL session caches, multi-connection protocols). IPVS keeps a template per client (network, under -M) and sends every new connection within T of the previous one to the same RS; a client that lands elsewhere loses its state.',
    remediation: [
      'Check the service really has persistence: ipvsadm -Ln {target} shows "persistent {timeout}"',
      'Check the templates: ipvsadm -Lnc | grep NONE (one per client network); a synchronised backup director needs --sync for them',
    ],
    observability: "needs the client's successive new connections and the RS each went to",
  },
  messages: {
    // One finding per connection that left its client's RS: each is a session that lost its state.
    moved: 'client {client} went to {rs} although its connection {ago} s earlier went to {previous} (persistent {timeout} s)',
  },
  create(context) {
    return {
      balance(services) {
        for (const v of services) {
          if (!v.configured || v.persistence === undefined) continue;
          const service = serviceLabel(v);
          const last = new Map<string, { time: number; rs: string }>();
          const name = (mac: string): string => v.realServers.find((r) => r.mac === mac)?.ip ?? mac;
          for (const c of v.connections) {
            const net = clientNetwork(c.client, v.persistenceMask);
            const prev = last.get(net);
            if (prev && c.time - prev.time <= v.persistence && prev.rs !== c.rsMac) {
              context.report({
                messageId: 'moved',
                data: {
                  client: c.client,
                  rs: name(c.rsMac),
                  ago: (c.time - prev.time).toFixed(1),
                  previous: name(prev.rs),
                  timeout: v.persistence,
                  service,
                  target: ipvsadmTarget(v),
                },
                frames: [c.frame],
                service,
                remediation: context.analysis
                  .directorHosts(v.vip.includes(':') ? 6 : 4)
                  .map((d) => reassertService(d, v, `it sent a client within the persistence timeout (${v.persistence} s) to another real server: the service in force is not persistent as configured, or its templates were lost (a backup director without --sync)`)),
              });
            }
            last.set(net, { time: c.time, rs: c.rsMac });
          }
        }
      },
    };
  },
});
