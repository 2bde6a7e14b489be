import { lazily } from './lazy.ts';

// Loaded on first use, not at cold start: only work that outgrows one invocation needs it.
const lambda = lazily(() =>
  import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => ({
    client: new LambdaClient({}),
    InvokeCommand,
  })),
);

/**
 * Invokes a function asynchronously (InvocationType Event): Lambda queues the payload, answers 202, and retries
 * and keeps a failure as the function's EventInvokeConfig says. The local runtime serves the same Invoke API;
 * the SDK finds it through its own AWS_ENDPOINT_URL_LAMBDA.
 */
export async function invokeAsync(functionName: string, payload: unknown): Promise<void> {
  const { client, InvokeCommand } = await lambda();
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(payload),
    }),
  );
  if (out.StatusCode !== 202) throw new Error(`invoking ${functionName} answered ${out.StatusCode}`);
}
