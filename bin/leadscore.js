#!/usr/bin/env node
// Entry point kept in plain JavaScript so an old Node gets a sentence, not a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `leadscore: Node ${process.versions.node} is too old; Node 22.18+ is required (24 LTS recommended).`,
  );
  process.exit(1);
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
