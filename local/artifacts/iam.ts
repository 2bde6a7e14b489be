import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from './lambda.ts';
import { ACCOUNT, type FunctionResource, type PolicyStatement, type Template } from './template.ts';

export interface Verdict {
  call: AwsCall;
  result: string;
  detail?: string;
}

/** One grant of a role: an action on a resource, as a statement of its policy names them. */
export interface Grant {
  action: string;
  resource: string;
}

export interface PermissionReport {
  /** Calls recorded (with repeats). */
  calls: number;
  /** Distinct (function, action, resource) triples simulated. */
  distinct: number;
  denied: Verdict[];
  /** Per function that ran: the grants of its role no recorded call used. */
  unused: Map<string, Grant[]>;
  /** Functions that made no call at all (not run by the suite): their grants say nothing here. */
  idle: string[];
}

/**
 * Evaluates every recorded call with AWS's policy logic (iam-simulate): the caller's role policies from the
 * template as identity policies, and the resource's own policy where it has one (a key policy, a topic or queue
 * policy), over TLS as the SDK always uses it. Then lists the grants nothing used.
 */
export async function checkPermissions(template: Template, calls: AwsCall[]): Promise<PermissionReport> {
  const functions = new Map(template.functions().map((f) => [f.name, f]));
  const distinct = new Map<string, AwsCall>();
  for (const call of calls) distinct.set(`${call.caller} ${call.action} ${call.resource}`, call);
  const denied: Verdict[] = [];
  for (const call of distinct.values()) {
    const fn = functions.get(call.caller);
    if (!fn) {
      denied.push({
        call,
        result: 'UnknownCaller',
        detail: 'the call was not signed by any function of the template',
      });
      continue;
    }
    const verdict = await simulate(template, fn, call);
    if (verdict.result !== 'Allowed') denied.push(verdict);
  }
  const unused = new Map<string, Grant[]>();
  const idle: string[] = [];
  for (const fn of functions.values()) {
    const used = [...distinct.values()].filter((c) => c.caller === fn.name);
    if (used.length === 0) {
      idle.push(fn.name);
      continue;
    }
    const spare = grantsOf(fn).filter(
      (g) => !used.some((c) => wildcardMatch(g.action, c.action) && wildcardMatch(g.resource, c.resource)),
    );
    if (spare.length > 0) unused.set(fn.name, spare);
  }
  return { calls: calls.length, distinct: distinct.size, denied, unused, idle };
}

async function simulate(template: Template, fn: FunctionResource, call: AwsCall): Promise<Verdict> {
  const resourcePolicy = template.resourcePolicyOf(call.resource.replace(/\/index\/.*$/, ''));
  const response = await runSimulation(
    {
      request: {
        principal: fn.roleArn,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true' },
      },
      identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy && { resourcePolicy }),
    },
    {},
  );
  if (response.resultType === 'error')
    return { call, result: 'SimulationError', detail: JSON.stringify(response.errors) };
  return { call, result: response.overallResult };
}

/** Every (action, resource) an Allow statement of the function's role names. */
export function grantsOf(fn: FunctionResource): Grant[] {
  return fn.policies.flatMap((p) =>
    p.document.Statement.filter((s: PolicyStatement) => s.Effect === 'Allow').flatMap((s) =>
      ([] as string[])
        .concat(s.Action)
        .flatMap((action) => ([] as string[]).concat(s.Resource).map((resource) => ({ action, resource }))),
    ),
  );
}

/** IAM's wildcards (`*` any run, `?` one character), case-insensitive for actions as IAM is. */
function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(value);
}
