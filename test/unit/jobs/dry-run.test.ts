import { describe, expect, it } from 'vitest';
import { proposedModel } from '../../../shared/jobs/dry-run.ts';
import { loadModelFiles } from '../../../shared/models.ts';

const [shipped] = loadModelFiles('models/default.yaml');

describe("a dry run's proposed model, as the worker reads it from the job", () => {
  it('is the model the request carries, compiled as from its file', () => {
    // Prepare: the job's request as POST /v1/models/dry-run writes it.
    const request = { model: JSON.stringify(shipped!.document) };

    // Act
    const model = proposedModel(request);

    // Assess
    expect(model.id).toBe(shipped!.model.id);
    expect(model.fingerprint).toBe(shipped!.model.fingerprint);
  });

  it('is refused when the model no longer validates, and when the request is not a dry run', () => {
    const invalid = { ...(shipped!.document as Record<string, unknown>), horizon: 'forever' };
    expect(() => proposedModel({ model: JSON.stringify(invalid) })).toThrow('the model is no longer valid');
    expect(() => proposedModel({ leadId: 'lead-1' })).toThrow();
  });
});
