import { readFileSync } from 'node:fs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { requireApiKey } from '../shared/http/auth.ts';
import { httpProblems } from '../shared/http/middleware.ts';
import { json } from '../shared/http/problem.ts';
import { readDocument } from '../shared/model/parse.ts';
import { loadModels } from '../shared/models.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory } = wire();
// Validated first (a bad model stops the function), then served as written: durations as text, defaults unfilled,
// so a document from here can be edited and sent back to the dry run as it is.
loadModels(config.LEADSCORE_MODELS);
const models = config.LEADSCORE_MODELS.split(',')
  .map((p) => p.trim())
  .filter(Boolean)
  .map((path) => readDocument(readFileSync(path, 'utf8'), path));

/** GET /v1/models: the models in force, as their documents (rules, fit, bands and thresholds). */
async function listModels(_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return json(200, { models });
}

export const handler = middy(listModels).use(httpProblems()).use(requireApiKey(directory));
