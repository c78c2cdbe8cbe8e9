import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/result/result.js';
import { failsGate, gate } from '../../src/report/gate.js';
import { flow, result } from './support.js';

function finding(severity: Finding['severity']): Finding {
  return { rule: 'r', severity, messageId: 'm', message: 'x', data: {}, frames: [{ capture: 0, frame: 3 }], remediation: [], displayFilter: 'frame.number == 3', cause: 0 };
}

describe('gate', () => {
  it('passes a clean result at every level', () => {
    for (const failOn of ['error', 'warning', 'incomplete'] as const) expect(gate(result(), { failOn })).toEqual({ status: 0, reasons: [] });
  });

  it('fails on errors at every level, with the count and the level in the reason', () => {
    const r = result({ findings: [finding('error'), finding('error')] });
    expect(gate(r, { failOn: 'error' })).toEqual({ status: 1, reasons: ['2 error findings (--fail-on error)'] });
    expect(gate(r, { failOn: 'incomplete' }).status).toBe(1);
  });

  it('fails on warnings only from --fail-on warning up; never on info', () => {
    const r = result({ findings: [finding('warning'), finding('info')] });
    expect(gate(r, { failOn: 'error' }).status).toBe(0);
    expect(gate(r, { failOn: 'warning' })).toEqual({ status: 1, reasons: ['1 warning finding (--fail-on warning)'] });
    expect(gate(r, { failOn: 'incomplete' }).status).toBe(1);
    expect(gate(result({ findings: [finding('info')] }), { failOn: 'incomplete' }).status).toBe(0);
  });

  it('fails on incomplete flows only under --fail-on incomplete', () => {
    const r = result({ flows: [flow(), flow({ verdict: 'incomplete', incompleteReason: 'still open at the end of the capture' })] });
    expect(gate(r, { failOn: 'warning' }).status).toBe(0);
    expect(gate(r, { failOn: 'incomplete' })).toEqual({ status: 1, reasons: ['1 incomplete flow (--fail-on incomplete)'] });
  });

  it('--min-flows: fails below N, passes at N', () => {
    const r = result({ flows: [flow(), flow()] });
    expect(gate(r, { failOn: 'error', minFlows: 2 }).status).toBe(0);
    expect(gate(r, { failOn: 'error', minFlows: 3 })).toEqual({
      status: 1,
      reasons: ['2 VIP flows in the capture, expected at least 3 (--min-flows)'],
    });
  });

  it('--min-flows fails a capture whose traffic never reached the VIP', () => {
    expect(gate(result({ flows: [] }), { failOn: 'error', minFlows: 1 }).reasons).toEqual([
      '0 VIP flows in the capture, expected at least 1 (--min-flows)',
    ]);
  });

  it('--expect-rs counts real servers that received at least one flow', () => {
    const r = result(); // two RS in the topology, only the first with flows
    expect(gate(r, { failOn: 'error', expectRs: 1 }).status).toBe(0);
    expect(gate(r, { failOn: 'error', expectRs: 2 })).toEqual({
      status: 1,
      reasons: ['1 real server received flows, expected at least 2 (--expect-rs)'],
    });
  });

  it('--min-flows counts flows the result does not list (big captures)', () => {
    const r = result({ flows: [flow()] });
    r.summary.flows = 20_001;
    r.summary.unlistedFlows = 20_000;
    expect(gate(r, { failOn: 'error', minFlows: 20_001 }).status).toBe(0);
  });

  it('lists every reason, findings first', () => {
    const r = result({ flows: [], findings: [finding('error')] });
    expect(gate(r, { failOn: 'error', minFlows: 1, expectRs: 1 }).reasons).toEqual([
      '1 error finding (--fail-on error)',
      '0 VIP flows in the capture, expected at least 1 (--min-flows)',
      '0 real servers received flows, expected at least 1 (--expect-rs)',
    ]);
  });

  it('failsGate orders the levels', () => {
    expect(failsGate('error', 'error')).toBe(true);
    expect(failsGate('warning', 'error')).toBe(false);
    expect(failsGate('warning', 'warning')).toBe(true);
    expect(failsGate('info', 'incomplete')).toBe(false);
  });
});
