/**
 * A real Prometheus (Debian's `prometheus` package) scrapes `lvs-pcap watch --metrics` on the
 * loopback, with the example alerting rules loaded, while a real-IPVS capture of an arp_ignore
 * failure (fixtures/ipvs/ipvs-poisoned: both real servers answer ARP for the VIP) is replayed
 * through watch's stdin. The values are read back through Prometheus' HTTP query API and must
 * be the fixture description's (tshark-derived): frames, rs-arp-reply-vip x2, duplicate-address
 * x1, the director owning the VIP, the configured weights. LvsErrorFinding must fire in
 * Prometheus, and `promtool test rules` must fire it on the very samples Prometheus stored.
 *
 * Skipped, saying why, without prometheus and promtool (apt-get install -y prometheus).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBuilt, REPO_ROOT } from '../support/cli.js';
import { sleep, watch } from '../support/watch.js';
import type { FixtureDescription } from '../check/fixture-expectations.js';

const RULES = join(REPO_ROOT, 'examples/prometheus/lvs-pcap.rules.yml');
const FIXTURE = join(REPO_ROOT, 'fixtures/ipvs/ipvs-poisoned/bridge');

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = !has('prometheus') ? 'prometheus is not installed (apt-get install -y prometheus)' : !has('promtool') ? 'promtool is not installed' : !cliBuilt() ? 'dist is not built (npm test builds it)' : '';
if (missing) console.warn(`prometheus test skipped: ${missing}`);

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-prometheus-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(api: string, promql: string): Promise<Sample[]> {
  const r = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { status: string; data: { result: Sample[] } };
  if (r.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(r)}`);
  return r.data.result;
}

/** Polls `promql` until `test` holds for its result, at most `ms`. */
async function until(api: string, promql: string, test: (s: Sample[]) => boolean, ms: number): Promise<Sample[]> {
  const end = Date.now() + ms;
  let last: Sample[] = [];
  let error = '';
  for (;;) {
    try {
      last = await query(api, promql);
      if (test(last)) return last;
    } catch (err) {
      // Prometheus still starting (connection refused, not ready).
      error = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
    }
    if (Date.now() > end) throw new Error(`${promql}: still ${JSON.stringify(last)} after ${ms} ms ${error}`);
    await sleep(250);
  }
}

const valueOf = (s: Sample[]): number => Number(s[0]?.value[1] ?? Number.NaN);

describe.skipIf(missing !== '')(`Prometheus scrapes lvs-pcap watch${missing ? ` [SKIPPED: ${missing}]` : ''}`, () => {
  it(
    'replays an arp_ignore failure through watch; Prometheus reads the findings back and fires LvsErrorFinding; promtool agrees on the same samples',
    async () => {
      const d = JSON.parse(readFileSync(`${FIXTURE}.json`, 'utf8')) as FixtureDescription & { configured: { realServers: { ip: string; weight: number }[] } };
      const count = (rule: string): number => d.expected.findings.filter((f) => f.rule === rule).length;
      const w = watch([
        '-',
        '--metrics',
        '127.0.0.1:0',
        '--ipvsadm',
        `${FIXTURE}.ipvsadm-Ln.txt`,
        ...d.topology.directors.flatMap((x) => ['--director-mac', x.mac]),
        ...d.topology.realServers.flatMap((r) => ['--rs', `${r.ip}=${r.mac}`]),
      ]);
      children.push(w.child);
      await w.waitFor((err) => /metrics on http:\/\/127\.0\.0\.1:\d+\//.test(err), 10_000, true);
      const target = /http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(w.stderr())![1]!;

      const port = await freePort();
      const api = `http://127.0.0.1:${port}`;
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          `rule_files: ['${RULES}']`,
          'scrape_configs:',
          '  - job_name: lvs-pcap',
          `    static_configs: [{ targets: ['${target}'] }]`,
          '',
        ].join('\n'),
      );
      const prom = spawn(
        'prometheus',
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(prom);
      let promLog = '';
      prom.stderr!.on('data', (x: Buffer) => (promLog += x.toString()));
      try {
        // Scraped before the first frame: the counters start at 0, as on a director watched for days.
        await until(api, 'lvs_pcap_frames_total', (s) => s.length === 1 && valueOf(s) === 0, 30_000);
        await until(api, 'count_over_time(lvs_pcap_findings_total{rule="rs-arp-reply-vip"}[1m])', (s) => valueOf(s) >= 2, 10_000);
        const t0 = Math.floor(Date.now() / 1000) - 5;

        // The replay: the whole capture, as tcpdump -U would write it; the pipe stays open.
        await w.feed(readFileSync(`${FIXTURE}.pcap`), 4096, 20);
        await until(api, 'lvs_pcap_frames_total', (s) => valueOf(s) === d.capture.frames, 20_000);
        const arp = await until(api, 'lvs_pcap_findings_total{rule="rs-arp-reply-vip"}', (s) => valueOf(s) === count('rs-arp-reply-vip'), 10_000);
        expect(arp[0]!.metric).toMatchObject({ job: 'lvs-pcap', severity: 'error' });
        await until(api, 'lvs_pcap_findings_total{rule="duplicate-address"}', (s) => valueOf(s) === count('duplicate-address'), 10_000);
        // Flows that ended (FIN and two seconds more) before the capture's last frames are judged while the pipe is open.
        const bypass = valueOf(await until(api, 'lvs_pcap_findings_total{rule="client-bypass"}', (s) => valueOf(s) > 0, 10_000));
        expect(bypass).toBeLessThanOrEqual(count('client-bypass'));
        expect(valueOf(await query(api, 'lvs_pcap_flows_total{verdict="fail"}'))).toBe(bypass);

        const owner = await query(api, 'lvs_pcap_vip_owner');
        expect(owner.map((s) => [s.metric.vip, s.metric.mac, s.metric.role, s.value[1]])).toEqual([[d.topology.vips[0]!.ip, d.topology.directors[0]!.mac, 'director', '1']]);
        const weights = await query(api, 'lvs_pcap_real_server_weight');
        expect(weights.map((s) => [s.metric.real_server, Number(s.value[1])]).sort()).toEqual(d.configured.realServers.map((r) => [r.ip, r.weight]).sort());
        // Every client bypassed the director: it forwarded no new connection to anyone.
        const forwarded = await query(api, 'lvs_pcap_new_connections_total');
        expect(forwarded.map((s) => s.value[1])).toEqual(d.configured.realServers.map(() => '0'));

        // The alert, as Prometheus evaluates the example rules.
        const end = Date.now() + 20_000;
        let firing: { labels: Record<string, string>; state: string }[] = [];
        while (Date.now() < end) {
          const r = (await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
          firing = r.data.alerts.filter((a) => a.labels.alertname === 'LvsErrorFinding' && a.state === 'firing');
          if (firing.some((a) => a.labels.rule === 'rs-arp-reply-vip')) break;
          await sleep(500);
        }
        expect(firing.map((a) => a.labels.rule)).toContain('rs-arp-reply-vip');
        expect(firing.map((a) => a.labels.rule)).toContain('duplicate-address');

        // promtool, on the samples Prometheus stored for the error findings (scraped a second
        // apart: the last ones have the final counts).
        await sleep(2000);
        const t1 = Math.ceil(Date.now() / 1000);
        const range = (await (
          await fetch(`${api}/api/v1/query_range?query=${encodeURIComponent('lvs_pcap_findings_total{severity="error"}')}&start=${t0}&end=${t1}&step=1`)
        ).json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] } [] } };
        const series = range.data.result.filter((r) => r.values.length > 0);
        const labels = (m: Record<string, string>): string =>
          Object.entries(m)
            .filter(([k]) => k !== '__name__')
            .map(([k, v]) => `${k}="${v}"`)
            .join(',');
        const lastAt = t1 - t0;
        const firingRules = series.filter((s) => Number(s.values.at(-1)![1]) > Number(s.values[0]![1])).map((s) => s.metric.rule!);
        expect(firingRules).toEqual(expect.arrayContaining(['rs-arp-reply-vip', 'duplicate-address']));
        const test = [
          'rule_files:',
          `  - ${RULES}`,
          'evaluation_interval: 1s',
          'tests:',
          '  - interval: 1s',
          '    input_series:',
          ...series.map((s) => {
            // One value a second from t0, the last known value carried over gaps.
            const byT = new Map(s.values.map(([t, v]) => [t - t0, v]));
            const values: string[] = [];
            let v = s.values[0]![1];
            for (let i = 0; i <= lastAt; i++) {
              v = byT.get(i) ?? v;
              values.push(v);
            }
            return `      - series: 'lvs_pcap_findings_total{${labels(s.metric)}}'\n        values: '${values.join(' ')}'`;
          }),
          // The alerts as the ALERTS series has them (their annotations carry the extrapolated
          // increase, which promtool computes on its own).
          '    promql_expr_test:',
          `      - eval_time: ${lastAt}s`,
          `        expr: 'ALERTS{alertname="LvsErrorFinding",alertstate="firing"}'`,
          '        exp_samples:',
          ...firingRules.map((rule) => {
            const m = { ...series.find((x) => x.metric.rule === rule)!.metric, severity: 'critical' };
            delete m.__name__;
            return `          - labels: 'ALERTS{alertname="LvsErrorFinding",alertstate="firing",${labels(m)}}'\n            value: 1`;
          }),
          '',
        ].join('\n');
        writeFileSync(join(dir, 'scraped.test.yml'), test);
        let out = '';
        try {
          out = execFileSync('promtool', ['test', 'rules', join(dir, 'scraped.test.yml')], { encoding: 'utf8' });
        } catch (e) {
          throw new Error(`promtool test rules failed:\n${(e as { stdout?: string }).stdout ?? ''}\n${readFileSync(join(dir, 'scraped.test.yml'), 'utf8')}`);
        }
        expect(out).toContain('SUCCESS');
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\nprometheus log:\n${promLog}\nwatch stderr:\n${w.stderr()}`);
      } finally {
        prom.kill('SIGTERM');
        await new Promise((r) => prom.once('close', r));
      }
      w.child.stdin.end();
      expect(await w.exited).toBe(1);
      expect(w.stdout()).toMatch(new RegExp(`findings: .*client-bypass ${count('client-bypass')}\\b`));
    },
    180_000,
  );

  it('the example rules pass promtool check rules and promtool test rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toContain('SUCCESS: 5 rules found');
    expect(execFileSync('promtool', ['test', 'rules', join(REPO_ROOT, 'examples/prometheus/lvs-pcap.rules.test.yml')], { encoding: 'utf8' })).toContain('SUCCESS');
  });
});
