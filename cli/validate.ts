import { readFile } from 'node:fs/promises';
import { formatDuration } from '../shared/domain/duration.ts';
import { parseModel } from '../shared/model/parse.ts';
import { isComboRule, isEventRule, isInactivityRule } from '../shared/model/schema.ts';
import { parse } from './args.ts';
import { type Command, InputError, UsageError } from './main.ts';

export const runValidate: Command = {
  summary: 'Check a scoring model file and list every problem in it',
  usage: `Usage: leadscore validate <model-file>

Exits 0 and prints a one-line summary when the model is valid; exits 1 and prints
every problem (its path in the document and what is wrong) when it is not.`,
  async run(args) {
    const { positionals } = parse(args, {}, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('name the model file to check');
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new InputError(
        `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      );
    });
    const result = parseModel(text);
    if (!result.ok) {
      console.error(`${file}: ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}`);
      for (const p of result.problems) console.error(`  ${p.path || '(document)'}: ${p.message}`);
      return 1;
    }
    const m = result.model;
    const count = (pred: (r: (typeof m.rules)[number]) => boolean) => m.rules.filter(pred).length;
    console.log(
      `${file}: ok: model "${m.model}" v${m.version}, ${count(isEventRule)} event rules, ${count(isComboRule)} combinations, ` +
        `${count(isInactivityRule)} inactivity rules, ${m.fit.rules.length} fit rules, ${m.groups.length} groups, ` +
        `bands ${m.bands.levels.map((b) => b.id).join(' < ')}, horizon ${formatDuration(m.horizon)}, decay ${m.decay.kind}`,
    );
    return 0;
  },
};
