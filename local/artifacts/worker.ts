/**
 * One Lambda execution environment: started with the function's environment in its task folder, it imports the
 * bundle (the init phase), then runs one invocation at a time as the Node.js runtime does: the event arrives as
 * JSON, the handler gets it parsed and a context with the deadline, and its result leaves as JSON. Only Node's
 * own modules are used here, so nothing of this checkout leaks into the function's module resolution.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Invoke {
  type: 'invoke';
  id: number;
  event: string;
  deadline: number;
  requestId: string;
  /** The ARN the caller named: the function's, with a qualifier if it gave one. */
  invokedFunctionArn: string;
}

const send = (message: unknown) => process.send!(message);
const taskRoot = process.env.LAMBDA_TASK_ROOT!;
const [file, exported] = splitHandler(process.env._HANDLER!);

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

function errorOf(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

let handler: (event: unknown, context: unknown) => Promise<unknown>;
try {
  const module = (await import(pathToFileURL(join(taskRoot, `${file}.mjs`)).href)) as Record<string, unknown>;
  const found = module[exported];
  if (typeof found !== 'function') throw new Error(`${file}.${exported} is undefined or not exported`);
  handler = found as typeof handler;
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'init-error', error: { ...errorOf(error), errorType: 'Runtime.ImportModuleError' } });
  process.exit(1);
}

process.on('message', async (message: Invoke) => {
  if (message.type !== 'invoke') return;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(message.event), context);
    send({ type: 'result', id: message.id, payload: JSON.stringify(result ?? null) });
  } catch (error) {
    send({ type: 'error', id: message.id, error: errorOf(error) });
  }
});
