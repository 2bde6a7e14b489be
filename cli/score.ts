import { type LedgerActivity, LedgerActivitySchema } from '../shared/domain/activity.ts';
import { type Attributes, ProfileSchema, withEmailDomain } from '../shared/domain/profile.ts';
import { recomputeLead } from '../shared/engine/index.ts';
import { ModelError } from '../shared/model/parse.ts';
import { loadModels } from '../shared/models.ts';
import { parse, parseAt } from './args.ts';
import { type Command, InputError, UsageError } from './main.ts';
import { type LineProblem, readNdjson, reportProblems } from './ndjson.ts';

export const runScore: Command = {
  summary: 'Score leads from NDJSON files of activities (and profiles) with a model',
  usage: `Usage: leadscore score --model <file> --events <ndjson> [--profiles <ndjson>] [--at <ISO time>]

  --model     the scoring model (YAML or JSON)
  --events    one activity per line: {"eventId","leadId"|"anonymousId","type","occurredAt","properties"?,"bot"?}
  --profiles  one profile per line: {"leadId","attributes":{...}}
  --at        score as of this time (default: now)

Prints one JSON line per lead, highest score first: leadId, model, score, grade, band,
contributions, breakdown (lines that add up to the score), flags. Lines that are not valid are reported on stderr and skipped.`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string' },
      events: { type: 'string' },
      profiles: { type: 'string' },
      at: { type: 'string' },
    });
    if (!values.model) throw new UsageError('--model is required');
    if (!values.events) throw new UsageError('--events is required');
    const now = parseAt(values.at);
    const model = await loadModel(values.model);

    const byLead = new Map<string, LedgerActivity[]>();
    const eventProblems: LineProblem[] = [];
    for await (const activity of readNdjson(values.events, LedgerActivitySchema, eventProblems)) {
      const lead = activity.leadId ?? activity.anonymousId!;
      const list = byLead.get(lead);
      if (list) list.push(activity);
      else byLead.set(lead, [activity]);
    }
    reportProblems(values.events, eventProblems);

    const attributes = new Map<string, Attributes>();
    if (values.profiles) {
      const profileProblems: LineProblem[] = [];
      for await (const profile of readNdjson(values.profiles, ProfileSchema, profileProblems)) {
        attributes.set(profile.leadId, withEmailDomain(profile.attributes));
      }
      reportProblems(values.profiles, profileProblems);
      for (const leadId of attributes.keys()) if (!byLead.has(leadId)) byLead.set(leadId, []);
    }

    const scored = [...byLead].map(([leadId, activities]) => {
      const { score } = recomputeLead(model, activities, attributes.get(leadId), now);
      return { leadId, ...score };
    });
    scored.sort((a, b) => b.score - a.score || (a.leadId < b.leadId ? -1 : 1));
    // One JSON line a lead, its fields in this order.
    for (const s of scored) console.log(JSON.stringify(Object.fromEntries(OUTPUT.map((f) => [f, s[f]]))));
    return 0;
  },
};

async function loadModel(file: string) {
  try {
    return loadModels(file)[0]!;
  } catch (error) {
    if (error instanceof ModelError) {
      throw new InputError(
        `${file} is not a valid model:\n${error.problems.map((p) => `  ${p.path || '(document)'}: ${p.message}`).join('\n')}`,
      );
    }
    throw new InputError(
      `cannot read model ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

const OUTPUT = [
  'leadId',
  'model',
  'score',
  'grade',
  'band',
  'combined',
  'contributions',
  'breakdown',
  'flags',
  'lastActivityAt',
] as const;
