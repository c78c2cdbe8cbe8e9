/** `lvs-pcap watch`: argument handling around runWatch() (src/watch/watch.ts). */
import { UsageError } from '../topology/usage-error.js';
import { colourStyle, plainStyle, wantColour } from '../report/style.js';
import type { LineFormat } from '../watch/watch.js';
import { givenFromArgs, once, parseCount, selectRules } from './check.js';
import { unusable, warnIssues } from './messages.js';
import { writeAll } from './output.js';

export interface WatchArgs {
  input: string;
  vip: string[];
  directorMac: string[];
  rs: string[];
  ipvsadm: string | undefined;
  config: string | undefined;
  keepalived: string[];
  format: string[];
  metrics: string[];
  stale: string[];
  maxFlows: string[];
  linesPerRule: string[];
  rules: string[];
  disable: string[];
  version: string;
}

/** Default of --stale: longer than keepalived's VRRP interval and a quiet night's ARP. */
export const DEFAULT_STALE_SECONDS = 60;
/** Default of --lines-per-rule. */
export const DEFAULT_LINES_PER_RULE = 20;

export async function runWatchCommand(args: WatchArgs, warn: (line: string) => void): Promise<number> {
  // Loaded here, not with the CLI: prom-client and the HTTP server cost `check` nothing.
  const { runWatch } = await import('../watch/watch.js');
  const { parseListen } = await import('../watch/server.js');
  const format = once('--format', args.format) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format ${format}: watch prints text or json lines`);
  const listen = once('--metrics', args.metrics);
  const metrics = listen === undefined ? undefined : parseListen(listen);
  if (listen !== undefined && metrics === null) throw new UsageError(`--metrics ${listen}: not HOST:PORT (:9127 listens on every interface)`);
  const stale = parseCount('--stale', once('--stale', args.stale)) ?? DEFAULT_STALE_SECONDS;
  if (stale < 1) throw new UsageError(`--stale ${stale}: must be at least 1 second`);
  const maxFlows = parseCount('--max-flows', once('--max-flows', args.maxFlows));
  if (maxFlows !== undefined && maxFlows < 1) throw new UsageError(`--max-flows ${maxFlows}: must be at least 1`);
  const linesPerRule = parseCount('--lines-per-rule', once('--lines-per-rule', args.linesPerRule)) ?? DEFAULT_LINES_PER_RULE;
  const given = await givenFromArgs(args);
  const rules = selectRules(args.rules, args.disable);

  // SIGINT or SIGTERM (systemd stop) ends the input: what was read is judged and summarised.
  // A second one exits at once.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let closed = false;
  const out = (line: string): void => {
    if (!closed) writeAll(1, `${line}\n`, () => (closed = true));
  };
  try {
    const result = await runWatch({
      input: args.input,
      given,
      rules,
      format: format as LineFormat,
      style: wantColour(process.stdout, process.env) ? colourStyle : plainStyle,
      ...(metrics ? { metrics } : {}),
      staleSeconds: stale,
      ...(maxFlows !== undefined ? { maxFlows } : {}),
      linesPerRule,
      version: args.version,
      signal: stop.signal,
      out,
      warn,
    });
    warnIssues(result, warn);
    if (unusable(result)) return 2;
    return result.summary.findingsBySeverity.error > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // An interrupted read of stdin leaves the pipe open; it must not keep the process alive.
    if (args.input === '-') process.stdin.destroy();
  }
}
