import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FunctionResource, REGION } from './template.ts';

/** One call to AWS, attributed to the function whose role makes it: by its SDK, or by Lambda on its behalf. */
export interface AwsCall {
  caller: string;
  action: string;
  resource: string;
  /**
   * `sdk`: the function's code made it; `lambda`: Lambda did, with the function's role (logs, streams,
   * destinations); `sns`, `secretsmanager`: that service did, as the caller (KMS for an encrypted resource).
   */
  by: 'sdk' | 'lambda' | 'sns' | 'secretsmanager';
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = { ok: true; payload: string } | { ok: false; error: LambdaError };

export interface OutputLine {
  functionName: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts');
/** Lambda allows 10 s for a cold start's init; a loaded test machine gets more, as this is not what is tested. */
const INIT_MS = 60_000;

interface Environment {
  child: ChildProcess;
  logStream: string;
  exited: Promise<void>;
}

/**
 * The Lambda service for the functions of a synthesised template: each function runs from its bundle, copied
 * into a task folder beside the SDK's packages, in execution environments that are fresh Node processes (a cold
 * start), reused while warm, one invocation at a time each, and killed at the function's timeout. Every
 * environment gets the template's variables, what the Lambda runtime sets, credentials of its own (so the
 * stand-ins know which function called), and the stand-ins' endpoints through the SDK's own variables.
 */
export class LambdaService {
  readonly output: OutputLine[] = [];
  private readonly functions = new Map<string, FunctionResource>();
  private readonly idle = new Map<string, Environment[]>();
  private readonly all = new Set<Environment>();
  private readonly callers = new Map<string, string>();
  private readonly runtimeDir: string;
  private readonly endpoints: Record<string, string>;
  private readonly record: (call: AwsCall) => void;
  private readonly log: (line: OutputLine) => void;

  constructor(options: {
    functions: FunctionResource[];
    /** Holds node_modules with the SDK (see sdk.ts); task folders are made in it. */
    runtimeDir: string;
    /** AWS_ENDPOINT_URL_<SERVICE> variables pointing the SDK at the stand-ins. */
    endpoints: Record<string, string>;
    record: (call: AwsCall) => void;
    log?: (line: OutputLine) => void;
  }) {
    for (const f of options.functions) {
      this.functions.set(f.name, f);
      this.callers.set(accessKeyOf(f.name), f.name);
    }
    this.runtimeDir = options.runtimeDir;
    this.endpoints = options.endpoints;
    this.record = options.record;
    this.log = options.log ?? (() => undefined);
  }

  function(name: string): FunctionResource {
    const found = this.functions.get(name) ?? [...this.functions.values()].find((f) => f.arn === name);
    if (!found) throw new Error(`no function ${name} in the template`);
    return found;
  }

  /** Where a function's bundle is unpacked (as /var/task), beside the runtime's node_modules. */
  taskRootOf(name: string): string {
    return join(this.runtimeDir, `task-${this.function(name).name}`);
  }

  /** The function whose credentials signed a request, from its access key id. */
  callerOf(accessKeyId: string): string | undefined {
    return this.callers.get(accessKeyId);
  }

  /**
   * Runs one invocation: the event goes in as JSON and the result comes back as JSON text, as in Lambda.
   * `elapsedMs` starts it as if it had already run that long (its deadline that much nearer): how a test
   * reaches what a function does when its time runs short, without waiting out its timeout.
   */
  async invoke(name: string, event: unknown, options: { elapsedMs?: number } = {}): Promise<InvokeResult> {
    const fn = this.function(name);
    const environment = this.idle.get(fn.name)?.pop() ?? (await this.coldStart(fn));
    if ('error' in environment) return { ok: false, error: environment.error };
    const requestId = randomUUID();
    const deadline = Date.now() + fn.timeoutSeconds * 1000 - (options.elapsedMs ?? 0);
    const id = Math.random();
    const outcome = await new Promise<InvokeResult | 'exited'>((done) => {
      const timer = setTimeout(() => done({ ok: false, error: timedOut(fn) }), deadline - Date.now());
      const onMessage = (message: { type: string; id: number; payload?: string; error?: LambdaError }) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        environment.child.off('message', onMessage);
        done(
          message.type === 'result'
            ? { ok: true, payload: message.payload! }
            : { ok: false, error: message.error! },
        );
      };
      environment.child.on('message', onMessage);
      environment.exited.then(() => {
        clearTimeout(timer);
        done('exited');
      });
      environment.child.send({
        type: 'invoke',
        id,
        event: JSON.stringify(event),
        deadline,
        requestId,
        invokedFunctionArn: fn.arn,
      });
    });
    this.record({
      caller: fn.name,
      action: 'logs:PutLogEvents',
      resource: logStreamArn(fn, environment.logStream),
      by: 'lambda',
    });
    if (outcome === 'exited')
      return { ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'the runtime exited' } };
    // A timed-out environment is not reused: Lambda stops it.
    if (!outcome.ok && outcome.error.errorType === 'Sandbox.Timedout') this.kill(environment);
    else this.idle.get(fn.name)!.push(environment);
    return outcome;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all].map((e) => this.kill(e)));
  }

  private async coldStart(fn: FunctionResource): Promise<Environment | { error: LambdaError }> {
    const taskRoot = this.taskRootOf(fn.name);
    if (!existsSync(taskRoot)) cpSync(fn.assetDir, taskRoot, { recursive: true });
    if (!this.idle.has(fn.name)) this.idle.set(fn.name, []);
    const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
    const key = accessKeyOf(fn.name);
    const child = fork(WORKER, [], {
      // None of this process's Node flags (a test runner's loaders, say): only NODE_OPTIONS from the template.
      execArgv: [],
      cwd: taskRoot,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...fn.environment,
        ...this.endpoints,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ACCESS_KEY_ID: key,
        AWS_SECRET_ACCESS_KEY: createHash('sha256').update(`secret ${fn.name}`).digest('base64').slice(0, 40),
        AWS_SESSION_TOKEN: createHash('sha256').update(`session ${fn.name}`).digest('base64'),
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: logStream,
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        _HANDLER: fn.handler,
        LAMBDA_TASK_ROOT: taskRoot,
        LAMBDA_RUNTIME_DIR: this.runtimeDir,
        // The runtime's own module path (CommonJS only); the SDK sits in it, as in /var/runtime/node_modules.
        NODE_PATH: `${join(this.runtimeDir, 'node_modules')}:${taskRoot}`,
        PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
      },
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      child[stream]!.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          const entry = { functionName: fn.name, stream, line };
          this.output.push(entry);
          this.log(entry);
        }
      });
    }
    const environment: Environment = { child, logStream, exited };
    this.all.add(environment);
    this.record({
      caller: fn.name,
      action: 'logs:CreateLogStream',
      resource: logStreamArn(fn, logStream),
      by: 'lambda',
    });
    const init = await new Promise<{ type: string; error?: LambdaError } | undefined>((done) => {
      const timer = setTimeout(() => done(undefined), INIT_MS);
      child.once('message', (message: { type: string; error?: LambdaError }) => {
        clearTimeout(timer);
        done(message);
      });
      exited.then(() => {
        clearTimeout(timer);
        done(undefined);
      });
    });
    if (init?.type === 'ready') return environment;
    await this.kill(environment);
    return {
      error: init?.error ?? { errorType: 'Runtime.Unknown', errorMessage: `${fn.name}: init did not finish` },
    };
  }

  private async kill(environment: Environment): Promise<void> {
    this.all.delete(environment);
    if (environment.child.exitCode === null && environment.child.signalCode === null)
      environment.child.kill('SIGKILL');
    await environment.exited;
  }
}

/** Each function's own access key id: what a SigV4 Authorization header names after `Credential=`. */
export function accessKeyOf(functionName: string): string {
  return `ASIA${createHash('sha256').update(functionName).digest('hex').slice(0, 16).toUpperCase()}`;
}

function timedOut(fn: FunctionResource): LambdaError {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
  };
}

function logStreamArn(fn: FunctionResource, logStream: string): string {
  return `${fn.logGroupArn.replace(/:\*$/, '')}:log-stream:${logStream}`;
}
