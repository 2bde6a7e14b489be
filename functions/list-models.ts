import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { readModelArtifacts } from '../shared/model/artifact.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory } = wire('list-models');
// Served as written (durations as text, defaults unfilled), so a document from here can be edited and sent back
// to the dry run as it is.
const models = readModelArtifacts(config.LEADSCORE_MODELS).map((f) => f.document);

/** GET /v1/models: the models in force, as their documents (rules, fit, bands and thresholds). */
async function listModels(_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return json(200, { models });
}

export const handler = httpHandler('list-models', listModels, directory);
