import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { applyActivity, emptyState, recomputeLead, scoreLead } from '../../../shared/engine/index.ts';
import {
  type DatasetLead,
  fromSynthetic,
  isConverted,
  lastActivityTime,
} from '../../../shared/evaluation/dataset.ts';
import { evaluate } from '../../../shared/evaluation/evaluate.ts';
import { rocAuc } from '../../../shared/evaluation/metrics.ts';
import { isHeldOut, splitOf } from '../../../shared/evaluation/split.ts';
import { TrainingError, train } from '../../../shared/evaluation/train.ts';
import { compileModel } from '../../../shared/model/compile.ts';
import { validateModel } from '../../../shared/model/parse.ts';
import { syntheticLeads } from '../../../shared/synthetic/generator.ts';

// Synthetic leads whose behaviour and outcome both come from a hidden intent and fit: the planted signal.
const START = Date.parse('2026-06-01T00:00:00Z');
const synthetic = [...syntheticLeads({ seed: 3, leads: 6000, start: START, days: 90 })];
// One lead asked not to be called and converted: a value seen once must not dominate anything.
const data: DatasetLead[] = synthetic
  .map(fromSynthetic)
  .map((lead, i) =>
    i === 17 ? { ...lead, outcome: 'converted', attributes: { ...lead.attributes, doNotCall: 'yes' } } : lead,
  );
const AT = await lastActivityTime(data);
const base = parseYaml(readFileSync('models/default.yaml', 'utf8'));
const scorecard = await train(data, { at: AT, seed: 7 });
const model = compileModel(scorecard.model);
const split = splitOf(scorecard.model.training)!;
const holdout = data.filter((d) => isHeldOut(split, d.leadId, isConverted(d)));

/** A rule model blind to the signal: it scores only the country, which the generator draws independently. */
const blind = (() => {
  const result = validateModel({
    model: 'blind',
    version: 1,
    name: 'country only',
    groups: [{ id: 'g' }],
    fit: {
      addToScore: true,
      rules: [{ id: 'us', attribute: 'country', match: 'US', points: 10 }],
      grades: [{ grade: 'A' }],
    },
    bands: { levels: [{ id: 'cold' }, { id: 'warm', min: 5 }] },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return compileModel(result.model);
})();

const aucOf = async (m: typeof model) => (await evaluate(m, holdout, AT)).auc!;
// What the hidden variables themselves achieve: the best any model of the observable data can hope for.
const planted = rocAuc(
  synthetic
    .filter((l) => holdout.some((h) => h.leadId === l.profile.leadId))
    .map((l) => ({ score: -4.5 + 5 * l.intent + 2.5 * l.fit, converted: l.converted })),
)!;

// Training takes seconds; on a busy shared machine, many: no test here is about speed.
describe('leadscore train without a base: a scorecard learned from outcomes', { timeout: 120_000 }, () => {
  it('recovers the planted signal from attributes and activities alone, and measures itself honestly', async () => {
    const learned = await aucOf(model);
    expect(learned).toBeGreaterThan((await aucOf(blind)) + 0.2);
    expect(learned).toBeGreaterThan(planted - 0.1);
    expect(learned).toBeLessThanOrEqual(planted + 0.02);
    // The held-out figure train reports is what evaluate --held-out measures with the engine.
    const measured = await evaluate(model, data, AT, { heldOut: true });
    expect(measured.sample).toBe('held-out');
    expect(measured.withOutcome).toBe(scorecard.holdoutLeads);
    expect(measured.auc).toBeCloseTo(scorecard.holdoutAuc!, 6);
  });

  it("writes an ordinary rules model whose points add up: score = base + sum of the lead's points", () => {
    expect(scorecard.document.kind).toBe('rules');
    expect(scorecard.document.training).toMatchObject({ pointsToDoubleOdds: 20, evenOddsScore: 100 });
    const base = scorecard.model.score.base!;
    for (const lead of data.slice(0, 300)) {
      const { score } = recomputeLead(model, lead.activities, lead.attributes, AT);
      const points = score.contributions.reduce((s, c) => s + c.points, 0);
      expect(score.score).toBeCloseTo(base + points, 6);
      expect(score.breakdown.every((l) => l.kind === 'base' || l.kind === 'rule')).toBe(true);
    }
  });

  it('holds out the same share of converted and of lost leads, and each band carries its held-out conversion rate', async () => {
    const converted = data.filter(isConverted);
    const lost = data.filter((d) => !isConverted(d));
    const heldConverted = holdout.filter(isConverted).length;
    expect(Math.abs(heldConverted - 0.25 * converted.length)).toBeLessThanOrEqual(1);
    expect(Math.abs(holdout.length - heldConverted - 0.25 * lost.length)).toBeLessThanOrEqual(1);
    const measured = await evaluate(model, holdout, AT);
    for (const level of scorecard.model.bands.levels) {
      const band = measured.bands.find((b) => b.group === level.id)!;
      expect(level.conversionRate).toBeCloseTo(band.conversionRate, 4);
    }
  });

  it('gives a value seen on one lead no points, and keeps every weight moderate', () => {
    const rules = scorecard.model.fit.rules;
    expect(rules.some((r) => r.attribute === 'doNotCall' || r.and?.attribute === 'doNotCall')).toBe(false);
    const { minSupport, interactionMinSupport } = scorecard.document.training;
    expect(interactionMinSupport).toBeLessThan(minSupport);
    for (const term of scorecard.terms) {
      const interaction = rules.some((r) => r.id === term.rule && r.and);
      expect(term.support).toBeGreaterThanOrEqual(interaction ? interactionMinSupport : minSupport);
      expect(Math.abs(term.points)).toBeLessThan(60);
    }
  });

  it('is the same model for the same data and seed, whatever the order of the leads', async () => {
    const reversed = await train([...data].reverse(), { at: AT, seed: 7 });
    expect(reversed.document).toEqual(scorecard.document);
  });

  it('scores live like any model: the incremental path agrees with the full recompute', () => {
    for (const lead of data.slice(0, 200)) {
      const state = emptyState();
      for (const activity of lead.activities) applyActivity(model, state, activity);
      expect(scoreLead(model, state, lead.attributes, AT)).toEqual(
        recomputeLead(model, lead.activities, lead.attributes, AT).score,
      );
    }
  });

  it('says when an evaluation is in-sample', async () => {
    const all = await evaluate(model, data, AT);
    expect(all.verdicts.map((v) => v.code)).toContain('in-sample');
    expect(all.trainedOn).toBe(scorecard.trainLeads);
    const held = await evaluate(model, holdout, AT, { heldOut: true });
    expect(held.verdicts.map((v) => v.code)).not.toContain('in-sample');
  });

  it('names a field that carries the model alone (leakage), and leaves out excluded attributes', async () => {
    // "stage" is filled in by sales while working the lead: it mostly says how it ended.
    const leaky = data.map((lead, i) => ({
      ...lead,
      attributes: {
        ...lead.attributes,
        stage: (isConverted(lead) ? i % 10 !== 0 : i % 10 === 0) ? 'negotiation' : 'nurture',
      },
    }));
    const leaked = await train(leaky, { at: AT, seed: 7 });
    const leakage = leaked.verdicts.find((v) => v.code === 'leakage');
    expect(leakage?.level).toBe('fail');
    expect(leakage?.message).toMatch(/stage alone ranks leads at AUC/);
    expect(leaked.document.training.suspectedLeakage).toBe('stage');
    expect(scorecard.verdicts.map((v) => v.code)).not.toContain('leakage');

    const without = await train(leaky, { at: AT, seed: 7, exclude: ['stage'] });
    expect(without.verdicts.map((v) => v.code)).not.toContain('leakage');
    const attributes = without.model.fit.rules.flatMap((r) => [r.attribute, r.and?.attribute]);
    expect(attributes).not.toContain('stage');
  });

  it('refuses to train on too few outcomes of either class, saying how many it has', async () => {
    const few = data.slice(0, 60);
    await expect(train(few, { at: AT, seed: 1 })).rejects.toThrow(TrainingError);
    await expect(train(few, { at: AT, seed: 1 })).rejects.toThrow(
      /too few outcomes to train on: .* converted and \d+ lost/,
    );
  });
});

describe('leadscore train --base: re-weighting existing rules', { timeout: 120_000 }, () => {
  it('learns the rules of the base model, beating the hand-written points, with points that add up', async () => {
    const reweighted = await train(data, { base, at: AT, seed: 7 });
    const trained = compileModel(reweighted.model);
    const handWritten = validateModel(base);
    if (!handWritten.ok) throw new Error('models/default.yaml is invalid');
    expect(await aucOf(trained)).toBeGreaterThan(await aucOf(compileModel(handWritten.model)));
    expect(reweighted.model.rules.map((r) => r.id)).toEqual(handWritten.model.rules.map((r) => r.id));
    for (const lead of data.slice(0, 100)) {
      const { score } = recomputeLead(trained, lead.activities, lead.attributes, AT);
      const sum = score.breakdown.reduce((s, l) => s + l.points, 0);
      expect(score.score).toBeCloseTo(sum, 6);
      expect(score.breakdown.every((l) => l.kind === 'base' || l.kind === 'rule' || l.kind === 'decay')).toBe(
        true,
      );
    }
  });
});

describe('a published evaluation', () => {
  it('fits in a DynamoDB item (400 KB) however many rules the model has', async () => {
    const { forPublishing } = await import('../../../shared/evaluation/evaluate.ts');
    const measured = await evaluate(model, data, AT);
    const many = {
      ...measured,
      points: Array.from({ length: 3000 }, (_, i) => ({
        rule: `rule-${i}-${'x'.repeat(50)}`,
        source: 'attribute+other',
        description: `a description of rule ${i} ${'y'.repeat(60)}`,
        points: i / 7,
      })),
      rules: Array.from({ length: 3000 }, (_, i) => ({
        ...measured.rules[0]!,
        rule: `rule-${i}-${'x'.repeat(50)}`,
      })),
    };
    const published = forPublishing(many);
    expect(Buffer.byteLength(JSON.stringify(published))).toBeLessThan(350_000);
    expect(published.omitted).toEqual({ points: 2700, rules: 2700 });
    expect(forPublishing(measured)).toBe(measured);
  });
});
