/**
 * `npm run docs:permissions`: synthesises the stack and writes each function's permissions, as the template
 * grants them, into docs/deploy.md between its markers. The artifact suite fails while the two differ.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writePermissions } from './permissions.ts';
import { synthesise } from './stack.ts';
import { Template } from './template.ts';

const repo = resolve(import.meta.dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'leadscore-permissions-'));
try {
  const stackName = await synthesise(repo, out);
  const changed = writePermissions(join(repo, 'docs/deploy.md'), new Template(out, stackName));
  console.log(
    changed ? 'docs/deploy.md: permissions updated' : 'docs/deploy.md: permissions already current',
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
