import { readFileSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../shared/store/dynamo.ts';
import type { TableNames } from '../shared/store/tables.ts';
import { deployedStack } from './deployed.ts';
import { localRuntime } from './local-state.ts';

/** Where an operator command reads and writes: the running local runtime of this checkout, or a deployed stage. */
export interface Target {
  /** How to name it in output. */
  where: string;
  tables: TableNames;
  client: DynamoDBDocumentClient;
  /** The model files in force there (read when asked). */
  models(): string;
  /** What to do to put a model file in force there. */
  howToPutInForce(file: string): string;
}

/**
 * The local runtime (its data dir) by default; with a stage, that deployed stack's tables, with the AWS
 * credentials of the environment and `region` if given. A stage runs the models its deployment is configured with
 * in this checkout's cdk.json.
 */
export function targetOf(options: {
  dataDir?: string | undefined;
  stage?: string | undefined;
  region?: string | undefined;
}): Target {
  if (options.stage === undefined) {
    const local = localRuntime(options.dataDir);
    return {
      where: local.url,
      tables: local.tables,
      client: documentClient(local.dynamodbEndpoint),
      models: () => local.models,
      howToPutInForce: (file) => `restart "npm start -- --models ${file}"`,
    };
  }
  const stack = deployedStack(options.stage, options.region);
  return {
    where: `stage ${stack.stage}`,
    tables: stack.tables,
    client: documentClient(undefined, options.region),
    models: () => {
      const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context ?? {};
      return ((context.models as string[] | undefined) ?? ['models/default.yaml']).join(',');
    },
    howToPutInForce: (file) =>
      `list ${file} in cdk.json's "models" and deploy it (npx cdk deploy -c stage=${stack.stage})`,
  };
}
