import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { rollUpAccount } from '../shared/scoring/accounts.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('get-account');
const models = compiledModels(config.LEADSCORE_MODELS);
const scores = new ScoreStore(client, tables);
const Domain = z.string().regex(/^[a-z0-9.-]{1,253}$/i);

/** GET /v1/accounts/{domain}: a company's score rolled up from its contacts (by e-mail domain), per model. */
async function getAccount(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const domain = Domain.safeParse(event.pathParameters?.domain);
  if (!domain.success) throw problems.badRequest('the domain in the path is not a domain name');
  const contacts = await scores.contactsOf(domain.data);
  if (contacts.length === 0) throw problems.notFound(`no lead has the e-mail domain "${domain.data}"`);
  const contexts = await Promise.all(
    contacts.slice(0, 200).map((id) =>
      scores.context(
        id,
        models.map((m) => m.id),
        'display',
      ),
    ),
  );
  return json(200, {
    domain: domain.data.toLowerCase(),
    contacts: contacts.length,
    models: models.map((model) =>
      rollUpAccount(
        model,
        contexts.flatMap((c) => {
          const s = c.scores.get(model.id);
          return s ? [{ leadId: c.leadId, score: s.score, band: s.band, grade: s.grade }] : [];
        }),
      ),
    ),
  });
}

export const handler = httpHandler('get-account', getAccount, directory);
