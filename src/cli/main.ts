#!/usr/bin/env node
/**
 * The command line: yargs parses, the library does the work, this file maps outcomes to exit
 * statuses (0 ok, 1 findings, 2 unusable input or arguments) and is the one place where any
 * error becomes a single line on stderr (the stack only with --debug).
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { CaptureOpenError } from '../capture/read.js';
import { UsageError } from '../topology/usage-error.js';
import { rules, findRule } from '../rules/index.js';
import { FORMATS, runCheck } from './check.js';
import { runDump } from './dump.js';
import { runTopology } from './topology.js';
import { runWatchCommand } from './watch.js';
import { DEFAULT_MAX_FLOWS } from '../check/analyzer.js';
import { visible } from '../report/printable.js';
import { userArguments } from './argv.js';
import { writeAll } from './output.js';
import { isWriteError, writeReason } from './output-files.js';
import { DEFAULT_STALE_SECONDS as DEFAULT_STALE } from './watch.js';

/**
 * One line on stderr: written synchronously (a stream would queue lines in memory for a slow
 * pipe, and fail with an unhandled 'error' once the pipe refuses more), with every control
 * character from a path or an argument value shown as an escape (src/report/printable.ts).
 */
const warn = (line: string): void => {
  try {
    writeAll(2, `${visible(line)}\n`, () => undefined);
  } catch {
    // stderr closed (2>&-): the exit status still tells.
  }
};

/**
 * yargs drops a lone `-` from variadic positionals, so `check -` would read nothing. It is
 * swapped for this placeholder before parsing and back afterwards (`--output -` too).
 */
const STDIN = '\u0000stdin';

function restoreDash(v: string): string {
  return v === STDIN ? '-' : v;
}

/** A string option given several times arrives as an array, whatever its declared type. */
function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => restoreDash(String(v)));
}

/** The capture positionals, with `-` restored; none at all is a usage error, not "no traffic". */
function captures(value: unknown): string[] {
  const paths = list(value);
  if (paths.length === 0) throw new UsageError('no capture given (a file, or - for stdin)');
  return paths;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function explain(id: string): string {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`unknown rule '${id}' (lvs-pcap rules lists them)`);
  const m = rule.meta;
  return [
    `${rule.id} (${rule.defaultSeverity}, ${rule.kind} rule)`,
    '',
    `What it checks: ${m.summary}.`,
    '',
    `Why DR needs it: ${m.rationale}`,
    '',
    `What the capture must show: ${m.observability}.`,
    '',
    'How to fix it:',
    ...m.remediation.map((r) => `  - ${r}`),
    '',
  ].join('\n');
}

/** The commands, for naming an unknown one. */
const COMMANDS = ['check', 'watch', 'topology', 'dump', 'rules', 'explain'];

/** What a command needs that was not given: the message yargs' "Not enough non-option arguments" stands for. */
function missingPositional(argv: readonly string[]): string {
  return argv.includes('explain') ? 'explain needs a rule id: lvs-pcap rules lists them' : 'no capture given (a file, or - for stdin)';
}

async function main(argv: string[]): Promise<number> {
  let status = 0;
  const debug = argv.includes('--debug');
  try {
    // yargs calls a stray word an "Unknown argument": the first word is a command, or not one.
    const first = argv.find((a) => !a.startsWith('-'));
    if (first !== undefined && argv.indexOf(first) === 0 && !COMMANDS.includes(first)) {
      throw new UsageError(`unknown command '${first}' (commands: ${COMMANDS.join(', ')}; see --help)`);
    }
    await yargs(argv.map((a) => (a === '-' ? STDIN : a)))
      .scriptName('lvs-pcap')
      .parserConfiguration({ 'camel-case-expansion': false })
      .usage('$0 <command> [options]\n\nVerify LVS direct-routing traffic in packet captures.')
      .command(
        'check <captures..>',
        'judge every flow to a VIP and every VIP claim; exit 1 on error findings (see --fail-on)',
        (y) =>
          y
            .positional('captures', { type: 'string', array: true, demandOption: true, describe: 'pcap/pcapng files (gzip ok), - for stdin' })
            .option('vip', { requiresArg: true, type: 'string', describe: 'VIP[:port][/udp], IPv6 as [addr]:port (repeatable)' })
            .option('director-mac', { requiresArg: true, type: 'string', describe: 'director MAC (repeatable: active/standby)' })
            .option('rs', { requiresArg: true, type: 'string', describe: 'real server: IP, MAC, or IP=MAC (repeatable)' })
            .option('ipvsadm', { requiresArg: true, type: 'string', describe: 'output of ipvsadm -Ln or ipvsadm-save -n' })
            .option('config', { requiresArg: true, type: 'string', describe: 'topology file (JSON or YAML), as written by lvs-pcap topology' })
            .option('keepalived', { requiresArg: true, type: 'string', describe: "a director's keepalived.conf (repeatable: one per director); includes are followed" })
            .option('format', {
              requiresArg: true,
              type: 'string',
              describe: `NAME[:FILE], repeatable; NAME: ${FORMATS.join(', ')} (default: table)`,
            })
            .option('output', { alias: 'o', requiresArg: true, type: 'string', describe: 'file for the --format given without :FILE (default: stdout)' })
            .option('fail-on', { requiresArg: true, type: 'string', describe: 'exit 1 on: error (default); warning (or error); incomplete (or warning, error, incomplete flow)' })
            .option('strict', { type: 'boolean', default: false, describe: 'same as --fail-on incomplete' })
            .option('expect-rs', { requiresArg: true, type: 'string', describe: 'exit 1 unless at least N real servers received flows' })
            .option('min-flows', { requiresArg: true, type: 'string', describe: 'exit 1 unless the captures hold at least N flows to a VIP' })
            .option('all-flows', { type: 'boolean', default: false, describe: 'list passing flows too' })
            .option('timeline', { type: 'boolean', default: false, describe: 'print the VIP ownership timeline' })
            .option('rules', { requiresArg: true, type: 'string', describe: 'run only this rule (repeatable)' })
            .option('disable', { requiresArg: true, type: 'string', describe: 'do not run this rule (repeatable)' })
            .option('write-evidence', { requiresArg: true, type: 'string', describe: 'write every frame a finding cites to a new pcap FILE (opens in Wireshark)' })
            .option('evidence-flows', { type: 'boolean', default: false, describe: 'with --write-evidence: also every frame of the flows concerned' })
            .option('follow', { type: 'boolean', default: false, describe: 'live use (check -): print each finding as soon as it is certain, then the full report at the end or on Ctrl-C' })
            .option('max-flows', { requiresArg: true, type: 'string', describe: `bound of the flow table; past it the oldest flows are judged early (default ${DEFAULT_MAX_FLOWS})` })
            .epilog(
              [
                'Output: --format NAME:FILE writes FILE (- is stdout). At most one format goes to stdout:',
                'the one given without :FILE, which --output FILE sends to FILE instead. One analysis',
                'feeds every format:',
                '  lvs-pcap check lb.pcap --format table --format junit:report.xml --format markdown:sum.md',
                '',
                'Exit status: 0 ok; 1 the gate failed: a finding at the --fail-on level, an incomplete',
                'flow under --strict, fewer flows or real servers than --min-flows / --expect-rs (one',
                'stderr line per reason); 2 unusable capture or bad arguments.',
              ].join('\n'),
            ),
        async (a) => {
          status = await runCheck(
            {
              captures: captures(a.captures),
              vip: list(a.vip),
              directorMac: list(a['director-mac']),
              rs: list(a.rs),
              ipvsadm: a.ipvsadm === undefined ? undefined : restoreDash(a.ipvsadm),
              config: a.config === undefined ? undefined : restoreDash(a.config),
              keepalived: list(a.keepalived),
              format: list(a.format),
              output: list(a.output),
              failOn: list(a['fail-on']),
              strict: a.strict,
              expectRs: list(a['expect-rs']),
              minFlows: list(a['min-flows']),
              allFlows: a['all-flows'],
              timeline: a.timeline,
              rules: list(a.rules),
              disable: list(a.disable),
              ...(a['write-evidence'] !== undefined ? { writeEvidence: a['write-evidence'] } : {}),
              evidenceFlows: a['evidence-flows'],
              maxFlows: list(a['max-flows']),
              follow: a.follow,
            },
            warn,
          );
        },
      )
      .command(
        'watch <capture>',
        'watch a live director (tcpdump -U -w - | lvs-pcap watch -): each finding as a line as soon as it is known, Prometheus metrics, a summary at the end',
        (y) =>
          y
            .positional('capture', { type: 'string', demandOption: true, describe: '- for stdin (tcpdump -U -w -), or a capture file' })
            .option('vip', { requiresArg: true, type: 'string', array: true, default: [], describe: 'VIP[:port][/udp] (repeatable)' })
            .option('director-mac', { requiresArg: true, type: 'string', array: true, default: [], describe: 'director MAC (repeatable)' })
            .option('rs', { requiresArg: true, type: 'string', array: true, default: [], describe: 'real server: IP, MAC, or IP=MAC (repeatable)' })
            .option('ipvsadm', { requiresArg: true, type: 'string', describe: 'output of ipvsadm -Ln or ipvsadm-save -n' })
            .option('config', { requiresArg: true, type: 'string', describe: 'topology file (JSON or YAML)' })
            .option('keepalived', { requiresArg: true, type: 'string', describe: "a director's keepalived.conf (repeatable: one per director); includes are followed" })
            .option('format', { requiresArg: true, type: 'string', describe: 'lines as text (default) or json (one object per line)' })
            .option('metrics', { requiresArg: true, type: 'string', describe: 'serve Prometheus metrics at HOST:PORT/metrics and /healthz (:9127 = every interface)' })
            .option('stale', { requiresArg: true, type: 'string', describe: `/healthz fails after this many seconds without input (default ${DEFAULT_STALE})` })
            .option('lines-per-rule', { requiresArg: true, type: 'string', describe: 'print at most N findings per rule a minute, count the rest (default 20; 0: all)' })
            .option('max-flows', { requiresArg: true, type: 'string', describe: `bound of the flow table (default ${DEFAULT_MAX_FLOWS})` })
            .option('rules', { requiresArg: true, type: 'string', array: true, default: [], describe: 'run only these rules' })
            .option('disable', { requiresArg: true, type: 'string', array: true, default: [], describe: 'do not run these rules' })
            .epilog(
              [
                'Runs until the input ends or SIGINT/SIGTERM, then prints a summary. Exit status as check:',
                '0 no error finding, 1 error findings, 2 unusable input or bad arguments.',
                "  tcpdump -i eth0 --immediate-mode -U -w - 'arp or vrrp or (ip and (tcp or udp))' | lvs-pcap watch - --ipvsadm lvs.txt --metrics :9127",
              ].join('\n'),
            ),
        async (a) => {
          status = await runWatchCommand(
            {
              input: restoreDash(String(a.capture)),
              vip: list(a.vip),
              directorMac: list(a['director-mac']),
              rs: list(a.rs),
              ipvsadm: a.ipvsadm === undefined ? undefined : restoreDash(a.ipvsadm),
              config: a.config === undefined ? undefined : restoreDash(a.config),
              keepalived: list(a.keepalived),
              format: list(a.format),
              metrics: list(a.metrics),
              stale: list(a.stale),
              maxFlows: list(a['max-flows']),
              linesPerRule: list(a['lines-per-rule']),
              rules: a.rules,
              disable: a.disable,
              version: version(),
            },
            warn,
          );
        },
      )
      .command(
        'topology <captures..>',
        'print the topology a check infers, and write it as a config file check --config accepts',
        (y) =>
          y
            .positional('captures', { type: 'string', array: true, demandOption: true, describe: 'pcap/pcapng files (gzip ok), - for stdin' })
            .option('vip', { requiresArg: true, type: 'string', describe: 'VIP[:port][/udp] already known (repeatable)' })
            .option('director-mac', { requiresArg: true, type: 'string', describe: 'director MAC already known (repeatable)' })
            .option('rs', { requiresArg: true, type: 'string', describe: 'real server already known: IP, MAC, or IP=MAC (repeatable)' })
            .option('ipvsadm', { requiresArg: true, type: 'string', describe: 'output of ipvsadm -Ln or ipvsadm-save -n (services, schedulers, weights)' })
            .option('config', { requiresArg: true, type: 'string', describe: 'topology file (JSON or YAML) already known, to complete from the capture' })
            .option('keepalived', { requiresArg: true, type: 'string', describe: "a director's keepalived.conf (repeatable: one per director)" })
            .option('output', { alias: 'o', requiresArg: true, type: 'string', describe: 'write the config (YAML) to FILE instead of stdout' }),
        async (a) => {
          status = await runTopology(
            {
              captures: captures(a.captures),
              vip: list(a.vip),
              directorMac: list(a['director-mac']),
              rs: list(a.rs),
              ipvsadm: a.ipvsadm === undefined ? undefined : restoreDash(a.ipvsadm),
              config: a.config === undefined ? undefined : restoreDash(a.config),
              keepalived: list(a.keepalived),
              output: a.output === undefined ? undefined : restoreDash(a.output),
            },
            warn,
          );
        },
      )
      .command(
        'dump <captures..>',
        'print every frame as one JSON object per line (like tshark -T fields)',
        (y) => y.positional('captures', { type: 'string', array: true, demandOption: true, describe: 'pcap/pcapng files (gzip ok), - for stdin' }),
        async (a) => {
          status = await runDump(captures(a.captures), warn);
        },
      )
      .command('rules', 'list the rules', {}, () => {
        writeAll(1, rules.map((r) => `${r.id.padEnd(22)} ${r.defaultSeverity.padEnd(7)} ${r.meta.summary}\n`).join(''), () => undefined);
      })
      .command(
        'explain <rule>',
        'what a rule checks, why DR needs it, how to fix it',
        (y) => y.positional('rule', { type: 'string', demandOption: true }),
        (a) => {
          writeAll(1, explain(a.rule), () => undefined);
        },
      )
      .option('debug', { type: 'boolean', default: false, describe: 'show stack traces of internal errors' })
      .demandCommand(1, 'a command is required (see --help)')
      .strict()
      .version(version())
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        // yargs' own validation errors (YError) are usage errors like the ones it reports by message.
        if (err && err.name !== 'YError') throw err;
        const text = (msg || err?.message || 'bad arguments')
          .replace(/^Not enough non-option arguments: got 0, need at least 1$/, missingPositional(argv))
          .replace(/^Not enough arguments following: (\S+)$/, (_m, name: string) => `--${name} needs a value`);
        throw new UsageError(`${text} (see --help)`);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof UsageError || err instanceof CaptureOpenError) {
      warn(`lvs-pcap: ${err.message}`);
      return 2;
    }
    // dump, topology, rules, explain: their output is the product, and it could not be written.
    if (isWriteError(err) && (err as NodeJS.ErrnoException).syscall === 'write') {
      warn(`lvs-pcap: cannot write to stdout: ${writeReason(err)}`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    warn(`lvs-pcap: internal error: ${message.split('\n')[0] ?? ''}${debug ? '' : ' (--debug shows the stack)'}`);
    if (debug && err instanceof Error && err.stack) warn(err.stack);
    return 2;
  }
  return status;
}

// yargs writes --help and --version through process.stdout: a full disk or a closed pipe there
// must not surface as an unhandled 'error' event with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') warn(`lvs-pcap: cannot write to stdout: ${writeReason(err)}`);
  process.exitCode = 2;
});

main(userArguments()).then(
  (status) => {
    process.exitCode = status;
  },
  () => {
    process.exitCode = 2;
  },
);
