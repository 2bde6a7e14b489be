import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
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
  const strip = <T extends object>(item: T) => {
    const { pk: _pk, sk: _sk, ...rest } = item as T & { pk?: unknown; sk?: unknown };
    return rest;
  };
  const profile = records.find((r) => r.entity === 'profile');
  activities.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
  return json(200, {
    leadId,
    exportedAt: new Date().toISOString(),
    profile: profile ? strip(profile) : null,
    outcomes: records.filter((r) => r.entity === 'outcome').map(strip),
    aliases: records.filter((r) => r.entity === 'aliasOf').map((r) => ({ id: r.from, kind: r.fromKind })),
    other: records.filter((r) => !['profile', 'outcome', 'aliasOf'].includes(String(r.entity))).map(strip),
    activities: activities.map(strip),
  });
}

export const handler = httpHandler('export-lead', exportLead, directory);
