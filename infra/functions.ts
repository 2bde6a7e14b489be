import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readDocument } from '../shared/model/parse.ts';
import type { TableDefinition } from '../shared/store/tables.ts';

/** What a function may do with a table: each kind is a fixed set of DynamoDB actions. */
export type TableAccess = 'read' | 'write' | 'delete' | 'scan';

const ACTIONS: Record<TableAccess, string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  delete: ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  scan: ['dynamodb:Scan'],
};

export interface TableGrant {
  access: TableAccess[];
  /** Indexes it queries, by name; none: the table only. */
  indexes?: string[];
}

/**
 * One function of functions/: how big, how long, and exactly what it touches. The stack grants each function
 * these and nothing more; docs/deploy.md and the IAM template test read from here.
 */
export interface FunctionSpec {
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  activities?: TableGrant;
  leads?: TableGrant;
  /** Reads the pixel-token signing secret. */
  signingSecret?: boolean;
  /** Publishes to the notification topic. */
  publishes?: boolean;
  /** Serves the dashboard: the built page travels in its bundle. */
  dashboard?: boolean;
  /** Functions it invokes asynchronously, by handler; each one's name reaches it as <HANDLER>_FUNCTION. */
  invokes?: string[];
}

/** Scores, history and API keys: what every /v1 handler reads through its API key check. */
const API_KEY_CHECK: TableGrant = { access: ['read'] };

export const FUNCTIONS: readonly FunctionSpec[] = [
  // The hot path: the pixel records one activity; small and quick.
  {
    handler: 'pixel',
    memoryMb: 256,
    timeoutSeconds: 5,
    activities: { access: ['write'] },
    leads: { access: ['read'] },
    signingSecret: true,
  },
  {
    handler: 'redirect',
    memoryMb: 256,
    timeoutSeconds: 5,
    activities: { access: ['write'] },
    leads: { access: ['read'] },
    signingSecret: true,
  },
  {
    handler: 'post-events',
    memoryMb: 512,
    timeoutSeconds: 15,
    activities: { access: ['write'] },
    leads: API_KEY_CHECK,
  },
  {
    handler: 'identify',
    memoryMb: 512,
    timeoutSeconds: 29,
    activities: { access: ['read', 'write', 'delete'] },
    leads: { access: ['read', 'write', 'delete'] },
  },
  { handler: 'put-attributes', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read', 'write'] } },
  { handler: 'post-outcome', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read', 'write'] } },
  {
    handler: 'export-lead',
    memoryMb: 512,
    timeoutSeconds: 29,
    activities: { access: ['read'] },
    leads: { access: ['read'] },
  },
  // Behind API Gateway, whose integrations time out at 30 s: what may take longer is handed to the job worker.
  {
    handler: 'erase-lead',
    memoryMb: 512,
    timeoutSeconds: 29,
    leads: { access: ['read', 'write', 'delete'] },
    invokes: ['run-job'],
  },
  {
    handler: 'list-leads',
    memoryMb: 512,
    timeoutSeconds: 10,
    leads: { access: ['read'], indexes: ['rank'] },
  },
  {
    handler: 'get-lead',
    memoryMb: 512,
    timeoutSeconds: 10,
    activities: { access: ['read'] },
    leads: { access: ['read'] },
  },
  { handler: 'get-lead-history', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read'] } },
  {
    handler: 'get-account',
    memoryMb: 512,
    timeoutSeconds: 10,
    leads: { access: ['read'], indexes: ['account'] },
  },
  {
    handler: 'rescore-dry-run',
    memoryMb: 512,
    timeoutSeconds: 10,
    leads: { access: ['read', 'write'] },
    invokes: ['run-job'],
  },
  { handler: 'get-job', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read'] } },
  { handler: 'get-model-evaluation', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read'] } },
  { handler: 'list-models', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read'] } },
  { handler: 'list-notifications', memoryMb: 256, timeoutSeconds: 10, leads: { access: ['read'] } },
  { handler: 'dashboard', memoryMb: 128, timeoutSeconds: 5, dashboard: true },
  { handler: 'get-openapi', memoryMb: 256, timeoutSeconds: 5 },
  {
    handler: 'ingest-bus',
    memoryMb: 512,
    timeoutSeconds: 30,
    activities: { access: ['write'] },
    leads: { access: ['read', 'write'] },
  },
  // Stream consumers: a batch of up to 1000 activities, coalesced per lead.
  {
    handler: 'score-activities',
    memoryMb: 1024,
    timeoutSeconds: 120,
    activities: { access: ['read'] },
    leads: { access: ['read', 'write'] },
  },
  {
    handler: 'notify-crossings',
    memoryMb: 512,
    timeoutSeconds: 60,
    leads: { access: ['read', 'write', 'delete'] },
    publishes: true,
  },
  { handler: 'refit-scores', memoryMb: 512, timeoutSeconds: 60, leads: { access: ['read', 'write'] } },
  // The nightly sweep: resumable, so it stops well inside the limit and hands back where to go on.
  {
    handler: 'decay-sweep',
    memoryMb: 1024,
    timeoutSeconds: 900,
    leads: { access: ['read', 'write'], indexes: ['decay'] },
    invokes: ['decay-sweep'],
  },
  // Jobs (a dry run over every lead, an erasure's activities): chunked, handing the rest to itself in time.
  {
    handler: 'run-job',
    memoryMb: 1769,
    timeoutSeconds: 900,
    activities: { access: ['read', 'scan', 'delete'] },
    leads: { access: ['read', 'write'] },
    invokes: ['run-job'],
  },
];

/** The environment variable that tells a function another one's name (run-job: RUN_JOB_FUNCTION). */
export function functionNameVariable(handler: string): string {
  return `${handler.toUpperCase().replaceAll('-', '_')}_FUNCTION`;
}

export interface TableRef {
  definition: TableDefinition;
  tableName: string;
  tableArn: string;
}

/** A scoring model as the functions receive it: JSON, written at synth from the validated YAML. */
export interface BundledModel {
  /** The JSON file to copy into the bundle. */
  file: string;
  /** Its name in the bundle's models/ folder. */
  name: string;
}

/**
 * Writes each model file as JSON (the functions then need no YAML parser), to a folder named by the content, so
 * the same models always give the same bundle.
 */
export function bundledModels(paths: string[]): BundledModel[] {
  return paths.map((path) => {
    const json = JSON.stringify(readDocument(readFileSync(path, 'utf8'), path));
    const dir = join(
      tmpdir(),
      'leadscore-models',
      createHash('sha256').update(json).digest('hex').slice(0, 16),
    );
    mkdirSync(dir, { recursive: true });
    const name = `${basename(path).replace(/\.ya?ml$/, '')}.json`;
    writeFileSync(join(dir, name), json);
    return { file: join(dir, name), name };
  });
}

export interface LeadscoreFunctionProps {
  spec: FunctionSpec;
  /** The handler's file; default functions/<handler>.ts. */
  entry?: string;
  stage: string;
  models: BundledModel[];
  environment: Record<string, string>;
  tables: { activities: TableRef; leads: TableRef };
  logRetention: RetentionDays;
}

/**
 * A handler of functions/ as a Lambda function: bundled offline by the local esbuild (no Docker), Node 24 on
 * arm64, ESM, minified, with source maps; the AWS SDK comes from the runtime. The scoring models travel in the
 * bundle. Its log group is its own, with an explicit retention, and it may touch only what its spec names.
 */
export class LeadscoreFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: LeadscoreFunctionProps) {
    super(scope, id);
    const { spec } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/leadscore-${props.stage}-${spec.handler}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, with nothing but writing to its own log group to start from (no AWS managed policy).
    const role = new Role(this, 'Role', {
      roleName: `leadscore-${props.stage}-${spec.handler}`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Leadscore ${spec.handler}`,
    });
    logGroup.grantWrite(role);
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: `leadscore-${props.stage}-${spec.handler}`,
      entry: props.entry ?? `functions/${spec.handler}.ts`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      logGroup,
      role,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.environment,
        LEADSCORE_MODELS: props.models.map((m) => `models/${m.name}`).join(','),
        ...(spec.dashboard && { DASHBOARD_DIR: 'dashboard' }),
        POWERTOOLS_SERVICE_NAME: `leadscore-${spec.handler}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Leadscore',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        mainFields: ['module', 'main'],
        // A few dependencies still call require(); give ESM a require of its own.
        banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...(spec.dashboard
              ? [`"${process.execPath}" "${inputDir}/dashboard/build.ts" "${outputDir}/dashboard"`]
              : []),
            `mkdir -p "${outputDir}/models"`,
            ...props.models.map((m) => `cp "${m.file}" "${outputDir}/models/${m.name}"`),
          ],
        },
      },
    });

    for (const [name, grant] of [
      ['activities', spec.activities],
      ['leads', spec.leads],
    ] as const) {
      if (!grant) continue;
      const table = props.tables[name];
      this.fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...new Set(grant.access.flatMap((a) => ACTIONS[a]))].sort(),
          resources: [table.tableArn, ...(grant.indexes ?? []).map((i) => `${table.tableArn}/index/${i}`)],
        }),
      );
    }
  }
}
