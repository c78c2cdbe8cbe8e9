/**
 * The HTML report in a real browser: Debian's chromium, headless, driven by playwright-core.
 * Each report is written to test-artifacts/ and opened from disk (file://), as a person opens a
 * CI artifact, and checked the way that person would: a row per flow, a ladder per failing flow
 * with the proving frame marked, the owner changes, filters, sorting, the copy buttons, and that
 * the page neither errs nor fetches anything.
 *
 * Without chromium (apt-get install -y chromium, or CHROMIUM_PATH) or playwright-core the tests
 * are skipped, and say why in their names and on the console: never a silent pass.
 *
 * UPDATE_REPORT_PNG=1 also rewrites docs/report.png, the README's screenshot.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/result/result.js';
import { formatHtml } from '../../src/report/html.js';
import { collectLadders, ladderFlows } from '../../src/report/ladder.js';
import { checkFixture } from '../report/support.js';

type Playwright = typeof import('playwright-core');
type Context = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;
type Page = Awaited<ReturnType<Context['newPage']>>;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts/html-report');

let playwright: Playwright | undefined;
let missing = '';
try {
  playwright = await import('playwright-core');
} catch {
  missing = 'playwright-core is not installed (npm ci)';
}
if (!missing && !existsSync(CHROMIUM)) missing = `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
const available = missing === '';
const skipped = available ? '' : ` [SKIPPED: ${missing}]`;
if (!available) console.warn(`browser tests skipped: ${missing}`);

const FIXTURES = {
  healthy: 'healthy/bridge',
  bypass: 'arp-announce-0/bridge',
  arpIgnore: 'arp-ignore-0/bridge',
  nat: 'nat-director/bridge',
  failover: 'failover/bridge',
  sick: 'vip-missing-on-rs/bridge',
} as const;
type Name = keyof typeof FIXTURES;

interface Rendered {
  result: CheckResult;
  file: string;
}

const rendered = new Map<Name, Rendered>();
let context: Context | undefined;
let profile = '';

/** A page on one report, with everything it logged and requested. */
async function open(name: Name): Promise<{ page: Page; r: Rendered; errors: string[]; requests: string[] }> {
  const r = rendered.get(name)!;
  const page = await context!.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (q) => requests.push(q.url()));
  await page.goto(pathToFileURL(r.file).href);
  return { page, r, errors, requests };
}

async function visibleRows(page: Page): Promise<number> {
  return page.locator('#flow-table tbody:first-of-type tr.flow:visible').count();
}

beforeAll(async () => {
  if (!available) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [name, fixture] of Object.entries(FIXTURES) as [Name, string][]) {
    const result = await checkFixture(fixture);
    const ladders = await collectLadders(
      result.captures.map((c) => c.path),
      result,
    );
    const file = join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, formatHtml(result, { ladders }));
    rendered.set(name, { result, file });
  }
  // A new, empty profile: nothing of a previous run (cache, permissions) can help a test pass.
  profile = mkdtempSync(join(tmpdir(), 'lvs-pcap-chromium-'));
  context = await playwright!.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('HTML report in chromium', () => {
  it.skipIf(!available)(`every report loads from disk without errors or network requests${skipped}`, async () => {
    for (const name of Object.keys(FIXTURES) as Name[]) {
      const { page, r, errors, requests } = await open(name);
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      expect(errors, name).toEqual([]);
      expect(requests, name).toEqual([pathToFileURL(r.file).href]);
      const word = r.result.verdict === 'pass' ? '✓ PASS' : r.result.verdict === 'fail' ? '✗ FAIL' : '! NO TRAFFIC';
      expect(await page.locator('#verdict').textContent(), name).toBe(word);
      await page.close();
    }
  });

  it.skipIf(!available)(`a script that was not in the page when it was made does not run${skipped}`, async () => {
    // As if markup had slipped through the escaping: the policy names the page's own script by
    // its hash, so this one is refused while the page's still works.
    const r = rendered.get('healthy')!;
    const file = join(ARTIFACTS, 'injected.html');
    writeFileSync(file, formatHtml(r.result).replace('</body>', "<script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script></body>"));
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('body').getAttribute('data-pwned')).toBeNull();
    expect(errors.some((e) => /Content Security Policy/.test(e)), errors.join('\n')).toBe(true);
    // The page's own script ran: it counted the rows it shows.
    expect(await page.locator('#shown-count').textContent()).toMatch(/^\d+ rows? shown$/);
    await page.close();
  });

  it.skipIf(!available)(`one table row per reported flow; passing flows counted and shown on demand${skipped}`, async () => {
    const { page, r } = await open('healthy');
    const passing = r.result.flows.filter((f) => f.verdict === 'pass').length;
    expect(passing).toBeGreaterThan(0);
    expect(await page.locator('#flow-table tbody:first-of-type tr.flow').count()).toBe(r.result.flows.length);
    expect(await visibleRows(page)).toBe(r.result.flows.length - passing);
    await expect.poll(() => page.locator('tr.pass-agg').isVisible()).toBe(true);
    expect(await page.locator('tr.pass-agg').textContent()).toContain(`${passing} passing flows not listed`);
    await page.locator('label[for=show-pass]').click();
    expect(await visibleRows(page)).toBe(r.result.flows.length);
    expect(await page.locator('tr.pass-agg').isVisible()).toBe(false);
    expect(await page.locator('#shown-count').textContent()).toBe(`${r.result.flows.length} rows shown`);
    expect(await page.locator('article.ladder').count()).toBe(0);
    await page.close();
  });

  for (const name of ['bypass', 'arpIgnore', 'nat'] as const) {
    it.skipIf(!available)(`${name}: one ladder per failing flow with the proving frame highlighted${skipped}`, async () => {
      const { page, r } = await open(name);
      const failing = ladderFlows(r.result);
      expect(failing.length).toBeGreaterThan(0);
      expect(await page.locator('#flow-table tbody:first-of-type tr.flow').count()).toBe(r.result.flows.length);
      const ladders = page.locator('article.ladder');
      expect(await ladders.count()).toBe(failing.length);
      for (let i = 0; i < failing.length; i++) {
        const f = failing[i]!;
        const ladder = page.locator(`#ladder-${i}`);
        expect(await ladder.locator('h3').textContent()).toContain(`${f.client.ip}:${f.client.port} → ${f.vip.ip}:${f.vip.port}/${f.proto}`);
        // The frame that proves the first finding is drawn and marked, and its message is there.
        const proof = r.result.findings[f.findings[0]!]!;
        const bad = ladder.locator('g.pkt.bad');
        expect(await bad.count()).toBeGreaterThan(0);
        const labels = (await bad.locator('text.fno').allTextContents()).join(' ');
        expect(labels).toMatch(new RegExp(`#${proof.frames[0]!.frame}(?!\\d)`));
        expect(await ladder.locator('.finding').first().textContent()).toContain(proof.message);
        expect(await ladder.locator('button.copy').count()).toBeGreaterThan(0);
        // One arrow per frame, MACs in the tooltip.
        const arrows = await ladder.locator('svg g.pkt > g > title').allTextContents();
        expect(arrows.length).toBeGreaterThan(1);
        expect(arrows[0]).toMatch(/([0-9a-f]{2}:){5}[0-9a-f]{2} → ([0-9a-f]{2}:){5}[0-9a-f]{2}/);
      }
      // Clicking the rule in the table jumps to its explanation.
      const rule = r.result.findings[failing[0]!.findings[0]!]!.rule;
      await page.locator(`#flow-table a[href="#rule-${rule}"]`).first().click();
      await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#rule-${rule}`);
      expect(await page.locator(`#rule-${rule}`).textContent()).toContain('Why:');
      await page.screenshot({ path: join(ARTIFACTS, `${name}-ladder.png`) });
      await page.close();
    });
  }

  it.skipIf(!available)(`nat: the director's copy continues the client's packet${skipped}`, async () => {
    const { page } = await open('nat');
    const copies = page.locator('#ladder-0 line.arrow.copy');
    expect(await copies.count()).toBeGreaterThan(0);
    expect(await page.locator('#ladder-0 svg g.pkt').first().locator('text.fno').textContent()).toMatch(/^#\d+ → #\d+ /);
    await page.locator('#ladder-0').screenshot({ path: join(ARTIFACTS, 'nat-ladder-0.png') });
    await page.close();
  });

  it.skipIf(!available)(`failover: the timeline shows both owners and the owner change${skipped}`, async () => {
    const { page, r } = await open('failover');
    const change = r.result.timeline.find((e) => e.kind === 'owner-change')!;
    expect(change).toBeDefined();
    const segments = await page.locator('#timeline g.seg title').allTextContents();
    expect(segments).toHaveLength(2);
    expect(segments[1]).toContain(change.mac);
    expect(await page.locator('#timeline g.ev.change').count()).toBe(1);
    expect(await page.locator('#timeline g.ev.change text').textContent()).toBe('⇄ failover');
    expect(await page.locator('#timeline table.events').textContent()).toContain('⇄ owner change');
    await page.locator('#timeline').screenshot({ path: join(ARTIFACTS, 'failover-timeline.png') });
    await page.close();
  });

  it.skipIf(!available)(`bypass: conflict and first poisoned client on the timeline; balance chart${skipped}`, async () => {
    const { page, r } = await open('bypass');
    expect(await page.locator('#timeline g.ev.conflict').count()).toBe(r.result.timeline.filter((e) => e.kind === 'conflict').length);
    expect(await page.locator('#timeline g.ev.bypass').count()).toBe(r.result.timeline.filter((e) => e.kind === 'bypass-start').length);
    const bars = await page.locator('#balance svg.balance-svg g.bar title').allTextContents();
    expect(bars).toHaveLength(r.result.topology.realServers.length);
    await page.close();
  });

  it.skipIf(!available)(`the second chart: handshake time per real server, the one rs-health names drawn as sick${skipped}`, async () => {
    const { page, r, errors } = await open('sick');
    const withHealth = r.result.topology.realServers.filter((x) => x.health !== undefined);
    const sick = r.result.findings.filter((f) => f.rule === 'rs-health').map((f) => f.mac);
    expect(sick).toHaveLength(1);
    expect(await page.locator('#balance svg.health-svg g.bar').count()).toBe(withHealth.length);
    const titles = await page.locator('#balance svg.health-svg g.bar.sick title').allTextContents();
    expect(titles).toHaveLength(1);
    expect(titles[0]).toContain(`${sick[0]}`);
    expect(titles[0]).toMatch(/no handshake timed; retransmitted 66\.7%/);
    expect(await page.locator('#balance table.health tr.sick').count()).toBe(1);
    // The healthy server's bar has a width: its median handshake on the chart's scale.
    const fills = await page.locator('#balance svg.health-svg g.bar:not(.sick) rect.fill').count();
    expect(fills).toBe(1);
    await page.locator('#balance').screenshot({ path: join(ARTIFACTS, 'health-chart.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.skipIf(!available)(`filter by verdict and rule, sort by column${skipped}`, async () => {
    const { page, r } = await open('nat');
    const all = r.result.flows.length;
    await page.selectOption('#f-verdict', 'pass');
    expect(await visibleRows(page)).toBe(r.result.flows.filter((f) => f.verdict === 'pass').length);
    await page.selectOption('#f-verdict', 'fail');
    expect(await visibleRows(page)).toBe(r.result.flows.filter((f) => f.verdict === 'fail').length);
    await page.selectOption('#f-verdict', 'all');
    const rules = await page.locator('#f-rule option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(rules.slice(1)).toEqual([...new Set(r.result.findings.filter((f) => f.flow).map((f) => f.rule))].sort());
    await page.selectOption('#f-rule', 'reply-direct');
    const withRule = r.result.flows.filter((f) => f.findings.some((i) => r.result.findings[i]!.rule === 'reply-direct')).length;
    expect(await visibleRows(page)).toBe(withRule);
    expect(await page.locator('#shown-count').textContent()).toBe(`${withRule} row${withRule === 1 ? '' : 's'} shown`);
    await page.selectOption('#f-rule', 'all');
    expect(await visibleRows(page)).toBe(all - r.result.flows.filter((f) => f.verdict === 'pass').length);

    const firstFrames = async (): Promise<number[]> =>
      (await page.locator('#flow-table tbody:first-of-type tr.flow td:nth-child(6)').allTextContents()).map(Number);
    const sorter = page.locator('#flow-table th button.sort', { hasText: 'First frame' });
    await sorter.click();
    const asc = await firstFrames();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await sorter.click();
    const desc = await firstFrames();
    expect(desc).toEqual([...asc].sort((a, b) => b - a));
    expect(await page.locator('#flow-table th[aria-sort=descending]').textContent()).toContain('First frame');
    // Clients sort as addresses, not as text (…:9 before …:10).
    await page.locator('#flow-table th button.sort', { hasText: 'Client' }).click();
    const clients = await page.locator('#flow-table tbody:first-of-type tr.flow td:first-child').allTextContents();
    const key = (s: string): number => {
      const [ip, port] = s.split(':');
      return ip!.split('.').reduce((a, x) => a * 256 + Number(x), 0) * 65536 + Number(port);
    };
    expect(clients.map(key)).toEqual(clients.map(key).sort((a, b) => a - b));
    await page.close();
  });

  it.skipIf(!available)(`the copy button puts the Wireshark filter on the clipboard${skipped}`, async () => {
    const { page, r } = await open('bypass');
    const f = ladderFlows(r.result)[0]!;
    const filter = r.result.findings[f.findings[0]!]!.displayFilter;
    const button = page.locator('#ladder-0 .finding button.copy').first();
    expect(await button.getAttribute('data-copy')).toBe(filter);
    await button.click();
    await expect.poll(() => button.getAttribute('data-copied')).toBe('yes');
    expect(await button.textContent()).toBe('Copied ✓');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(filter);
    await page.close();
  });

  it.skipIf(!available)(`prints: controls hidden, ladders kept whole${skipped}`, async () => {
    const { page } = await open('bypass');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.controls').isVisible()).toBe(false);
    expect(await page.locator('button.copy').first().isVisible()).toBe(false);
    expect(await page.locator('article.ladder').first().evaluate((e) => getComputedStyle(e).breakInside)).toBe('avoid');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  it.skipIf(!available)(`docs/report.png is a viewport-sized screenshot under 300 KB${skipped}`, async () => {
    const { page } = await open('bypass');
    await page.setViewportSize({ width: 1200, height: 1440 });
    // The header, the topology, the table and the start of the first ladder.
    const target = process.env.UPDATE_REPORT_PNG === '1' ? resolve('docs/report.png') : join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: target });
    expect(statSync(target).size).toBeLessThan(300 * 1024);
    if (existsSync('docs/report.png')) expect(statSync('docs/report.png').size).toBeLessThan(300 * 1024);
    await page.close();
  });
});
