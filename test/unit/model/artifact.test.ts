import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recomputeLead } from '../../../shared/engine/index.ts';
import { compiledModels, readModelArtifacts } from '../../../shared/model/artifact.ts';
import { loadModelFiles, loadModels, writeModelArtifacts } from '../../../shared/models.ts';
import { syntheticLeads } from '../../../shared/synthetic/generator.ts';

const dir = mkdtempSync(join(tmpdir(), 'leadscore-artifacts-'));
const shipped = readdirSync('models')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `models/${f}`);

describe('model artifacts: what the functions compile without validating', () => {
  it.each(shipped)('%s scores every synthetic lead exactly as the validated file does', (path) => {
    // Prepare
    const [artifact] = writeModelArtifacts(path, dir).split(',');
    const [fromFile] = loadModels(path);

    // Act
    const [fromArtifact] = compiledModels(artifact!);

    // Assert
    expect(fromArtifact!.fingerprint).toBe(fromFile!.fingerprint);
    const now = Date.parse('2026-11-30T00:00:00Z');
    for (const lead of syntheticLeads({ seed: 3, leads: 150, start: now - 60 * 86_400_000, days: 60 })) {
      const a = recomputeLead(fromArtifact!, lead.activities, lead.profile.attributes, now);
      const b = recomputeLead(fromFile!, lead.activities, lead.profile.attributes, now);
      expect(a.score).toEqual(b.score);
    }
    expect(readModelArtifacts(artifact!)[0]!.document).toEqual(loadModelFiles(path)[0]!.document);
  });

  it('refuses a model file that is not an artifact, naming it and what to do', () => {
    const plain = join(dir, 'plain.json');
    writeFileSync(plain, JSON.stringify({ model: 'm', version: 1 }));
    expect(() => compiledModels('models/default.yaml')).toThrow(
      /models\/default\.yaml is not a validated model artifact/,
    );
    expect(() => compiledModels(plain)).toThrow(
      /plain\.json is not a validated model artifact.*cdk synth and npm start/,
    );
  });

  it('validates an artifact outside the functions: a hand-edited one is refused with its problems', () => {
    const [artifact] = writeModelArtifacts('models/default.yaml', join(dir, 'edited')).split(',');
    const edited = JSON.parse(readFileSync(artifact!, 'utf8'));
    edited.document.bands.levels = [];
    writeFileSync(artifact!, JSON.stringify(edited));
    expect(() => loadModelFiles(artifact!)).toThrow(/bands\.levels/);
    expect(() => writeModelArtifacts(artifact!, join(dir, 'again'))).toThrow(/bands\.levels/);
  });

  it('writes an artifact of an artifact unchanged, so a runtime started twice in one process reads the same models', () => {
    const once = writeModelArtifacts('models/default.yaml', join(dir, 'once'));
    const twice = writeModelArtifacts(once, join(dir, 'twice'));
    expect(compiledModels(twice)[0]!.fingerprint).toBe(compiledModels(once)[0]!.fingerprint);
  });
});
