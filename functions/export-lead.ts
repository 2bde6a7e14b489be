import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { scoreOf } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory } = wire('export-lead');

/** GET /v1/leads/{id}/export: everything Leadscore holds about a lead (a data subject access request). */
async function exportLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requested = leadIdParameter(event);
  // The person behind a merged-away id is its survivor; an erased one is 410 (the store's error).
  const leadId = await directory.resolveLead(requested);
  const [records, activities] = await Promise.all([
    directory.itemsOf(leadId),
    ledger.activitiesOf({ kind: 'lead', id: leadId }),
  ]);
  if (records.length === 0 && activities.length === 0) throw problems.notFound(`no lead "${requested}"`);
  // Keys are ours, not the person's; bytes (a score's engine state) go as base64, not as a map of numbers.
  const strip = <T extends object>(item: T) => {
    const { pk: _pk, sk: _sk, ...rest } = item as T & { pk?: unknown; sk?: unknown };
    return Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [
        k,
        v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
      ]),
    );
  };
  const of = (...entities: string[]) => records.filter((r) => entities.includes(String(r.entity)));
  const profile = records.find((r) => r.entity === 'profile');
  activities.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
  return json(200, {
    leadId,
    exportedAt: new Date().toISOString(),
    profile: profile ? strip(profile) : null,
    outcomes: of('outcome').map(strip),
    aliases: of('aliasOf').map((r) => ({ id: r.from, kind: r.fromKind })),
    scores: of('score').map((r) => strip(scoreOf(r))),
    history: of('history').map(strip),
    other: records
      .filter((r) => !['profile', 'outcome', 'aliasOf', 'score', 'history'].includes(String(r.entity)))
      .map(strip),
    activities: activities.map(strip),
  });
}

export const handler = httpHandler('export-lead', exportLead, directory);
