import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { functionName, STAGE_PATTERN, tableNames } from '../shared/names.ts';
import type { TableNames } from '../shared/store/tables.ts';
import { UsageError } from './main.ts';

/**
 * A deployed stack, named by its stage (`cdk deploy -c stage=<stage>`): the stack names its tables and functions
 * leadscore-<stage>-<what> (infra/stack.ts), so the stage is all an operator command needs. Credentials and
 * region come from the AWS SDK's usual chain (AWS_PROFILE, AWS_REGION, ...); --region overrides the region.
 */
export interface DeployedStack {
  stage: string;
  region: string | undefined;
  tables: TableNames;
  function(handler: string): string;
}

export function deployedStack(stage: string, region?: string): DeployedStack {
  if (!STAGE_PATTERN.test(stage))
    throw new UsageError(`--stage "${stage}" is not a stage name (lower case letters, digits and -)`);
  return {
    stage,
    region,
    tables: tableNames(stage),
    function: (handler) => functionName(stage, handler),
  };
}

/** Invokes a deployed function and waits for its answer; a function error is thrown with its message. */
export async function invoke(stack: DeployedStack, handler: string, payload: unknown): Promise<unknown> {
  const lambda = new LambdaClient(stack.region ? { region: stack.region } : {});
  try {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: stack.function(handler),
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(payload),
      }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
    if (out.FunctionError) throw new Error(`${stack.function(handler)} failed: ${text}`);
    return JSON.parse(text);
  } finally {
    lambda.destroy();
  }
}
