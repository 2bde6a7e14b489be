import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

let client: LambdaClient | undefined;

/**
 * Invokes a function asynchronously (InvocationType Event): Lambda queues the payload, answers 202, and retries
 * and keeps a failure as the function's EventInvokeConfig says. The local runtime serves the same Invoke API;
 * the SDK finds it through its own AWS_ENDPOINT_URL_LAMBDA. The client is made on first use, not at cold start.
 */
export async function invokeAsync(functionName: string, payload: unknown): Promise<void> {
  client ??= new LambdaClient({});
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(payload),
    }),
  );
  if (out.StatusCode !== 202) throw new Error(`invoking ${functionName} answered ${out.StatusCode}`);
}
