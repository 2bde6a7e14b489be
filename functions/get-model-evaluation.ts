import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { EvaluationStore } from '../shared/store/evaluations.ts';
import { wire } from '../shared/wiring.ts';

const { directory, client, tables } = wire('get-model-evaluation');
const evaluations = new EvaluationStore(client, tables);

/** GET /v1/models/{id}/evaluation: the last evaluation published for the model (leadscore evaluate --publish). */
async function getEvaluation(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const model = event.pathParameters?.id ?? '';
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(model))
    throw problems.badRequest('the model id in the path is not a model id');
  const found = await evaluations.latest(model);
  if (!found)
    throw problems.notFound(
      `model "${model}" has no published evaluation: run "leadscore evaluate --publish"`,
    );
  return json(200, { model, publishedAt: found.publishedAt, evaluation: found.evaluation });
}

export const handler = httpHandler('get-model-evaluation', getEvaluation, directory);
