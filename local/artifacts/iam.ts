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

/** A function's grants, by who needs them and whether the recorded calls used them. */
export interface FunctionGrants {
  /** Grants the code's calls used (with what a service did as the caller for such a call: KMS for SNS). */
  used: Grant[];
  /** Grants Lambda itself uses for the function's configuration; `seen` when a recorded call of Lambda's did. */
  service: (Grant & { seen: boolean })[];
  /** Grants for the code that no recorded call used. */
  unexercised: Grant[];
}

export interface PermissionReport {
  /** Calls recorded (with repeats). */
  calls: number;
  /** Distinct (function, action, resource) triples simulated. */
  distinct: number;
  denied: Verdict[];
  /** Every function of the template, by name. */
  grants: Map<string, FunctionGrants>;
  /** Functions that made no call at all (not run by the suite). */
  idle: string[];
}

/**
 * Evaluates every recorded call with AWS's policy logic (iam-simulate): the caller's role policies from the
 * template as identity policies, and the resource's own policy where it has one (a key policy, a topic or queue
 * policy), over TLS as the SDK always uses it. Then sorts each role's grants: those the code's calls used, those
 * Lambda uses for the function, and the code's that nothing used.
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
  const grants = new Map<string, FunctionGrants>();
  const idle: string[] = [];
  for (const fn of functions.values()) {
    const made = [...distinct.values()].filter((c) => c.caller === fn.name);
    if (made.length === 0) idle.push(fn.name);
    const needs = serviceNeeds(template, fn);
    const usedBy = (grant: Grant, by: (c: AwsCall) => boolean) => made.some((c) => by(c) && covers(grant, c));
    const sorted: FunctionGrants = { used: [], service: [], unexercised: [] };
    for (const grant of grantsOf(fn)) {
      if (needs.some((need) => isSame(grant, need)))
        sorted.service.push({ ...grant, seen: usedBy(grant, (c) => c.by === 'lambda') });
      else if (usedBy(grant, (c) => c.by !== 'lambda')) sorted.used.push(grant);
      else sorted.unexercised.push(grant);
    }
    grants.set(fn.name, sorted);
  }
  return { calls: calls.length, distinct: distinct.size, denied, grants, idle };
}

/**
 * What Lambda itself does with a function's role, by the function's configuration in the template (the Lambda
 * developer guide's execution-role permissions): it writes the function's logs; for an event source mapping it
 * reads the table's stream (DescribeStream, GetShardIterator, GetRecords, and ListStreams, which the guides list
 * with them and CDK grants on the stream too) and sends the record of a batch it gives up on to the mapping's
 * on-failure destination; for asynchronous invocations it sends the record of one that failed to the configured
 * destination.
 */
export function serviceNeeds(template: Template, fn: FunctionResource): Grant[] {
  return [
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({ action, resource: fn.logGroupArn })),
    ...template
      .streamMappings()
      .filter((m) => m.functionName === fn.name)
      .flatMap((m) => [
        ...['DescribeStream', 'GetShardIterator', 'GetRecords', 'ListStreams'].map((a) => ({
          action: `dynamodb:${a}`,
          resource: m.streamArn,
        })),
        ...(m.onFailureArn ? [delivery(m.onFailureArn)] : []),
      ]),
    ...template
      .asyncFailureDestinations()
      .filter((d) => d.functionName === fn.name)
      .map((d) => delivery(d.destination)),
  ];
}

/** Sending a failure record to an on-failure destination: SQS queues are the only kind this stack uses. */
function delivery(destination: string): Grant {
  if (destination.split(':')[2] !== 'sqs')
    throw new Error(`an on-failure destination that is not an SQS queue: ${destination}`);
  return { action: 'sqs:SendMessage', resource: destination };
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

/** Whether a grant's action and resource patterns take in what a call does. */
function covers(grant: Grant, call: AwsCall): boolean {
  return wildcardMatch(grant.action, call.action) && wildcardMatch(grant.resource, call.resource);
}

/** A grant that is exactly what Lambda needs, no broader: a wider one is the code's to justify. */
function isSame(grant: Grant, need: Grant): boolean {
  return grant.action.toLowerCase() === need.action.toLowerCase() && grant.resource === need.resource;
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
