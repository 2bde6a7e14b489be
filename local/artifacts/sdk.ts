import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * The packages the Lambda Node.js runtime provides outside every bundle: the AWS SDK (`@aws-sdk/*`) and whatever
 * it depends on, computed from package-lock.json as npm laid them out. Nothing else: a bundle that left another
 * dependency out finds it missing here, as it would in AWS.
 */
export function sdkPackages(repoRoot: string): string[] {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };
  const seen = new Set<string>();
  const pending = Object.keys(lock.packages).filter((path) => /^node_modules\/@aws-sdk\/[^/]+$/.test(path));
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = lock.packages[path]!;
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    });
    for (const name of names) {
      const found = resolveInLock(lock.packages, path, name);
      if (found) pending.push(found);
    }
  }
  return [...seen].sort();
}

/** Node's lookup, in lock paths: the package's own node_modules, then each enclosing one up to the root. */
function resolveInLock(
  packages: Record<string, LockPackage>,
  from: string,
  name: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    const parent = base.lastIndexOf('/node_modules/');
    if (parent < 0) break;
    base = base.slice(0, parent);
  }
  return packages[`node_modules/${name}`] ? `node_modules/${name}` : undefined;
}

/**
 * Copies the SDK's packages into `<runtimeDir>/node_modules` (copies, not links: Node follows a link to its real
 * path and would then find every package of this checkout). Task folders made inside `runtimeDir` see these
 * packages and nothing more.
 */
export function installSdk(repoRoot: string, runtimeDir: string): number {
  // Node would look further up for packages too; anything there would be found by bundles but not in Lambda.
  for (let dir = dirname(runtimeDir); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'node_modules')))
      throw new Error(
        `${join(dir, 'node_modules')} would leak into the functions' module resolution; use another folder`,
      );
  const packages = sdkPackages(repoRoot);
  for (const path of packages) {
    const source = join(repoRoot, path);
    if (!existsSync(source)) continue; // an optional dependency for another platform
    const target = join(runtimeDir, path);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target, {
      recursive: true,
      dereference: true,
      // Nested node_modules are copied as the lock lists them, each in its own right.
      filter: (from) => !from.slice(source.length).includes('/node_modules/'),
    });
  }
  return packages.length;
}
