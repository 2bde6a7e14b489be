import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type FunctionSpec, functionNameVariable, type TableUse } from '../shared/manifest.ts';
import { writeModelArtifacts } from '../shared/models.ts';
import { functionName } from '../shared/names.ts';
import type { TableDefinition } from '../shared/store/tables.ts';

/** The DynamoDB actions a table use grants on the table. */
export function tableActions(use: TableUse): string[] {
  return use.actions.map((a) => `dynamodb:${a}`).sort();
}

/** On each index it names: Query, the only read the code makes of an index. */
export const INDEX_ACTIONS = ['dynamodb:Query'];

export interface TableRef {
  definition: TableDefinition;
  tableName: string;
  tableArn: string;
}

/** A scoring model as the functions receive it: a validated artifact (shared/model/artifact.ts), written at synth. */
export interface BundledModel {
  /** The JSON file to copy into the bundle. */
  file: string;
  /** Its name in the bundle's models/ folder. */
  name: string;
}

/**
 * Validates each model file and writes its artifact (JSON: the functions need no YAML parser and no validation),
 * to a folder named by the content, so the same models always give the same bundle.
 */
export function bundledModels(paths: string[]): BundledModel[] {
  return paths.map((path) => {
    // Validated here (stackConfig validated them too): the artifact is what a function compiles without checking.
    const text = readFileSync(path, 'utf8');
    const dir = join(
      tmpdir(),
      'leadscore-models',
      createHash('sha256').update(text).digest('hex').slice(0, 16),
    );
    const file = writeModelArtifacts(path, dir);
    return { file, name: basename(file) };
  });
}

/** What the manifest's uses bind to in a stack. */
export interface Resources {
  activities: TableRef;
  leads: TableRef;
  search: TableRef;
  activityRetentionDays: number;
  signingSecret: ISecret;
  notifications: ITopic;
}

export interface LeadscoreFunctionProps {
  spec: FunctionSpec;
  /** The handler's file; default functions/<handler>.ts. */
  entry?: string;
  stage: string;
  models: BundledModel[];
  /** What its uses bind to; a function that uses nothing (a benchmark's yardstick) needs none. */
  resources: Partial<Resources>;
  logRetention: RetentionDays;
}

/**
 * A handler of functions/ as a Lambda function: bundled offline by the local esbuild (no Docker), Node 24 on
 * arm64, ESM, minified, with source maps; the AWS SDK comes from the runtime. The scoring models travel in the
 * bundle. Its log group is its own, with an explicit retention, and it may touch only what its spec names.
 */
export class LeadscoreFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, props: LeadscoreFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName(props.stage, spec.handler)}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, with nothing but writing to its own log group to start from (no AWS managed policy).
    const role = new Role(this, 'Role', {
      roleName: functionName(props.stage, spec.handler),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Leadscore ${spec.handler}`,
    });
    logGroup.grantWrite(role);
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: functionName(props.stage, spec.handler),
      entry: props.entry ?? `functions/${spec.handler}.ts`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      logGroup,
      role,
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: spec.systemLogLevel === 'WARN' ? SystemLogLevel.WARN : SystemLogLevel.INFO,
      environment: {
        LEADSCORE_MODELS: props.models.map((m) => `models/${m.name}`).join(','),
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
        // Stack traces map to file and line without the sources' text, which is most of a map: with
        // --enable-source-maps Node reads the map at every cold start, and a smaller one reads faster.
        sourcesContent: false,
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

    this.bind(props.resources, props.stage);
  }

  /**
   * Each use of the manifest entry, bound in one call: its grant and its environment variable together, so a
   * function never has a name it may not use nor a grant it cannot name. A test checks the environment against
   * environmentOf(spec), which is what the handler's configuration requires.
   */
  private bind(given: Partial<Resources>, stage: string): void {
    const { uses } = this.spec;
    const resources = new Proxy(given, {
      get: (target, name: string) => {
        const value = target[name as keyof Resources];
        if (value === undefined)
          throw new Error(`${this.spec.handler} uses ${name}, which the stack did not give`);
        return value;
      },
    }) as Resources;
    const fn = this.fn;
    const table = (variable: string, ref: TableRef, use: TableUse) => {
      fn.addEnvironment(variable, ref.tableName);
      fn.addToRolePolicy(new PolicyStatement({ actions: tableActions(use), resources: [ref.tableArn] }));
      if (use.indexes?.length)
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: INDEX_ACTIONS,
            resources: use.indexes.map((i) => `${ref.tableArn}/index/${i}`),
          }),
        );
    };
    if (uses.activities) table('ACTIVITIES_TABLE', resources.activities, uses.activities);
    if (uses.leads) table('LEADS_TABLE', resources.leads, uses.leads);
    if (uses.search) table('SEARCH_TABLE', resources.search, uses.search);
    if (uses.activities || uses.leads)
      fn.addEnvironment('ACTIVITY_RETENTION_DAYS', String(resources.activityRetentionDays));
    if (uses.signingSecret) {
      fn.addEnvironment('SIGNING_SECRET_ARN', resources.signingSecret.secretArn);
      // Reading the value is all it does (grantRead would add DescribeSecret); the secret's key is AWS-managed.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [resources.signingSecret.secretArn],
        }),
      );
    }
    if (uses.notifications) {
      fn.addEnvironment('TOPIC_ARN', resources.notifications.topicArn);
      resources.notifications.grantPublish(fn);
    }
    if (uses.invokes) {
      // By name, not by reference: a function may invoke itself (the sweep's and a job's continuation).
      for (const handler of uses.invokes)
        fn.addEnvironment(functionNameVariable(handler), functionName(stage, handler));
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: uses.invokes.map((handler) =>
            Stack.of(this).formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: functionName(stage, handler),
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
    if (this.spec.dashboard) fn.addEnvironment('DASHBOARD_DIR', 'dashboard');
  }
}
