#!/usr/bin/env node
// Plain JavaScript on purpose: it must run, and explain itself, on a Node too old for the rest of the code.
import { spawnSync } from 'node:child_process';

const problems = [];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  problems.push(
    `Node ${process.versions.node} is too old: Leadscore needs Node 22.18 or newer (24 LTS recommended).\n` +
      '  Install Node 24, e.g. `npm install --prefix ~/.local/node24 node@24` and put ~/.local/node24/node_modules/node/bin first on PATH.',
  );
}
if (process.argv.includes('--java')) {
  // `java -version` writes to stderr; a missing java leaves both streams empty.
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaMajor = parseJavaMajor(`${probe.stdout ?? ''}${probe.stderr ?? ''}`);
  if (javaMajor < 17) {
    problems.push(
      'Java 17 or newer is needed for the local runtime (DynamoDB Local).\n' +
        '  On Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`.',
    );
  }
}
if (problems.length > 0) {
  console.error(`leadscore: cannot start.\n- ${problems.join('\n- ')}`);
  process.exit(1);
}

function parseJavaMajor(text) {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return 0;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}
