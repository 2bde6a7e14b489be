import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ruleTargetEvent } from '../../../local/runtime.ts';
import { scheduledDecay } from '../../../shared/scoring/schedule.ts';
import { shapeOf } from '../../helpers/shape.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

describe('events the local runtime hands the bus target and the decay sweep', () => {
  it('gives ingest-bus the EventBridge rule-target event, field for field', () => {
    const sample = fixture('eventbridge-rule-event.json');
    const event = ruleTargetEvent(
      '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      { Source: 'crm.acme', DetailType: 'leadscore.activity' },
      sample.detail,
      new Date('2026-11-30T05:33:15.123Z'),
    );
    expect(shapeOf(JSON.parse(JSON.stringify(event)), ['detail'])).toEqual(shapeOf(sample, ['detail']));
    expect(event.time).toBe('2026-11-30T05:33:15Z');
    expect(event.region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(event.account).toMatch(/^\d{12}$/);
  });

  it('gives the decay sweep the Scheduler payload the stack configures', () => {
    expect(shapeOf(scheduledDecay('2026-12-01T02:00:00Z'))).toEqual(
      shapeOf(fixture('scheduler-decay-input.json')),
    );
  });
});
