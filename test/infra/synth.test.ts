import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../shared/manifest.ts';
import { compiledModels } from '../../shared/model/artifact.ts';
import { loadModels } from '../../shared/models.ts';

const out = mkdtempSync(join(tmpdir(), 'leadscore-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('builds the stack offline (no Docker, no AWS credentials) and bundles every function with its models', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '-o', out, '-c', 'stage=ci'], { env });
    const template = JSON.parse(readFileSync(join(out, 'Leadscore-ci.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, Resource>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions.map((f) => f.Properties.FunctionName).sort()).toEqual(
      FUNCTIONS.map((f) => `leadscore-ci-${f.handler}`).sort(),
    );
    for (const fn of functions) {
      const asset = join(out, fn.Metadata['aws:asset:path']);
      expect(statSync(join(asset, 'index.mjs')).size, fn.Properties.FunctionName).toBeGreaterThan(1000);
      expect(existsSync(join(asset, 'index.mjs.map'))).toBe(true);
      // The dashboard function carries the built page.
      if (fn.Properties.FunctionName.endsWith('-dashboard'))
        for (const file of ['index.html', 'app.js', 'app.css'])
          expect(statSync(join(asset, 'dashboard', file)).size, file).toBeGreaterThan(100);
      // The model as a validated artifact, the same model: a function compiles it with the fingerprint the YAML gives.
      const [bundled] = compiledModels(join(asset, 'models/default.json'));
      expect(bundled!.fingerprint).toBe(loadModels('models/default.yaml')[0]!.fingerprint);
      // And carries no validation of the model language unless it takes models from a request (a dry run).
      const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
      const validates = ['rescore-dry-run', 'run-job'].some((h) =>
        fn.Properties.FunctionName.endsWith(`-${h}`),
      );
      expect(code.includes('must be shorter than'), fn.Properties.FunctionName).toBe(validates);
    }
  }, 180_000);

  it('gives a template that cfn-lint (the Python tool, 1.51 on these machines) finds no error in', async () => {
    const template = join(out, 'Leadscore-ci.template.json');
    const lint = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
      execFile('cfn-lint', ['--format', 'json', template], { maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    if ((lint.code as unknown) === 'ENOENT')
      throw new Error('cfn-lint is not on PATH: install the Python tool (pip install cfn-lint), see README');
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means it could not run.
    expect(lint.code === 1 ? lint.stderr : '', 'cfn-lint could not run').toBe('');
    const findings = JSON.parse(lint.stdout || '[]') as {
      Level: string;
      Rule: { Id: string };
      Message: string;
    }[];
    const errors = findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`);
    console.info(
      `cfn-lint: ${errors.length} error(s), ${findings.filter((f) => f.Level === 'Warning').length} warning(s)`,
    );
    expect(errors).toEqual([]);
  });
});

interface Resource {
  Type: string;
  Properties: { FunctionName: string };
  Metadata: { 'aws:asset:path': string };
}
