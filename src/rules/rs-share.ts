import { defineRule } from './define.js';
import { reassertService } from './fixes.js';
import { ipvsadmTarget, serviceLabel } from '../result/service-label.js';
import { chiSquare, MIN_CONNECTIONS } from '../infer/stats.js';
import { expectedShares, templates } from './scheduling.js';

/** Are the new connections shared among the real servers as the weights say? */
export default defineRule({
  id: 'rs-share',
  kind: 'service',
  defaultSeverity: 'warning',
  meta: {
    summary: 'new connections are shared among the real servers as the configured scheduler and weights say',
    rationale:
      "IPVS's rr and wrr schedulers are deterministic: rr alternates over all new connections, wrr follows the weights cycle by cycle (the RS added last is served first), and with persistence the scheduler runs once per client template. A share far from the weights means the configuration in force is not the one you think (stale ipvsadm output, keepalived config not applied, an RS flapping in and out). When the capture sees every new connection (a mirror port or the director) the counts must match within one scheduling cycle (each RS within its weight of weight/total x connections); otherwise a chi-square test at 99.9% confidence is used, and nothing is said below 30 connections or an expected count under 5. lc, wlc, sh, dh, mh and other schedulers depend on load or hashing: their distribution is reported, not judged.",
    remediation: [
      'Compare the running table with the intended one: ipvsadm -Ln {target} (weights, scheduler)',
      'If keepalived manages the director, check its config was applied (systemctl reload keepalived; journalctl -u keepalived)',
    ],
    observability: 'needs the new connections and which RS got each: exact on a mirror port or the director, statistical elsewhere',
  },
  messages: {
    mismatch: 'configured {scheduler} {weights}, seen {counts} new connections ({rs}){how}',
  },
  create(context) {
    void context;
    return {
      balance(services) {
        for (const v of services) {
          if (!v.configured || (v.scheduler !== 'rr' && v.scheduler !== 'wrr')) continue;
          const shares = expectedShares(v);
          if (!shares) continue;
          // A weight-0 RS is out of scheduling (quiesced-rs judges what it still gets); the
          // shares are those of the RS the scheduler may choose.
          const judged = v.realServers.filter((r) => r.ip !== undefined && r.weight !== undefined && r.weight > 0);
          const quiesced = new Set(v.realServers.filter((r) => r.weight === 0 && r.mac !== undefined).map((r) => r.mac));
          // A connection to an RS we cannot tie to a configured one makes the counts unreliable.
          if (v.realServers.some((r) => r.ip === undefined && r.newConnections > 0) || judged.some((r) => r.mac === undefined)) continue;
          const units = v.persistence !== undefined ? templates(v).filter((u) => !quiesced.has(u.rsMac)) : undefined;
          const countOf = (mac: string | undefined): number =>
            units ? units.filter((u) => u.rsMac === mac).length : (v.realServers.find((r) => r.mac === mac)?.newConnections ?? 0);
          const counts = judged.map((r) => countOf(r.mac));
          const total = counts.reduce((n, x) => n + x, 0);
          if (total === 0) continue;
          const weightOf = (w: number): number => (v.scheduler === 'rr' ? (w > 0 ? 1 : 0) : w);
          let wrong = false;
          let how = '';
          if (v.seesEveryNewConnection) {
            judged.forEach((r, i) => {
              const expected = total * (shares.get(r.mac ?? '') ?? 0);
              if (Math.abs((counts[i] ?? 0) - expected) > Math.max(1, weightOf(r.weight ?? 1))) wrong = true;
            });
            how = '; more than one scheduling cycle off';
          } else {
            const test = chiSquare(counts, judged.map((r) => shares.get(r.mac ?? '') ?? 0));
            if (test?.rejects) {
              wrong = true;
              how = `; chi-square ${test.statistic.toFixed(1)} > ${test.critical.toFixed(1)} (99.9%, ${test.degreesOfFreedom} df, at least ${MIN_CONNECTIONS} connections)`;
            }
          }
          if (!wrong) continue;
          const service = serviceLabel(v);
          const why = `its new connections for ${service} are not shared as the configuration given says (${v.scheduler} ${judged.map((r) => weightOf(r.weight ?? 1)).join(':')}): the table in force differs; this writes the given one again (if keepalived manages it, reload keepalived instead)`;
          context.report({
            messageId: 'mismatch',
            data: {
              scheduler: v.scheduler + (v.persistence !== undefined ? ` persistent ${v.persistence}` : ''),
              weights: judged.map((r) => weightOf(r.weight ?? 1)).join(':'),
              counts: counts.join(' : ') + (units ? ' client templates,' : ''),
              rs: judged.map((r) => r.ip).join(' : '),
              how,
              service,
              target: ipvsadmTarget(v),
            },
            frames: [],
            service,
            remediation: context.analysis.directorHosts(v.vip.includes(':') ? 6 : 4).map((d) => reassertService(d, v, why)),
          });
        }
      },
    };
  },
});
