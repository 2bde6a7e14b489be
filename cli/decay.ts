import type { SweepResult } from '../functions/decay-sweep.ts';
import { parse } from './args.ts';
import { deployedStack, invoke } from './deployed.ts';
import { localRuntime } from './local-state.ts';
import { type Command, InputError, UsageError } from './main.ts';

export const runDecay: Command = {
  summary: 'Run the decay sweep now, on the running local runtime or a deployed stack',
  usage: `Usage: leadscore decay [--at <ISO time> [--commit]] [--data-dir <dir>] [--stage <stage> [--region <region>]]

  --at      a preview as of this time, e.g. to see where scores will be next month: counts what
            would be written and which bands would change, and writes nothing, notifies no one
  --commit  with --at: really write the scores as of that time (and notify, as for any change)
  --stage   act on the deployed stack of this stage (invokes its decay-sweep function with your
            AWS credentials) instead of the local runtime of this checkout

Without --at: the sweep as of now, as the nightly schedule runs it. It visits only the scores
that are due (through the decay index), rewrites them, and lets notifications follow as for any
other change. Prints how many were visited and written.`,
  async run(args) {
    const { values } = parse(args, {
      at: { type: 'string' },
      'data-dir': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      commit: { type: 'boolean' },
    });
    if (values.commit && values.at === undefined)
      throw new UsageError('--commit goes with --at (without --at, the sweep as of now always writes)');
    if (values.at !== undefined && Number.isNaN(Date.parse(values.at)))
      throw new UsageError(`--at "${values.at}" is not an ISO 8601 time`);
    const request =
      values.at === undefined
        ? {}
        : { at: new Date(values.at).toISOString(), ...(!values.commit && { preview: true }) };
    if (values.stage !== undefined) {
      const stack = deployedStack(values.stage, values.region);
      const result = (await invoke(stack, 'decay-sweep', request).catch((error: Error) => {
        throw new InputError(`the decay sweep of stage "${stack.stage}" failed: ${error.message}`);
      })) as SweepResult;
      console.log(
        `decay as of ${result.at} on stage ${stack.stage}: ${summary(result)}${result.complete ? '' : '; the sweep goes on in a new invocation (see its logs)'}`,
      );
      return 0;
    }
    const local = localRuntime(values['data-dir']);
    const response = await fetch(`${local.url}/local/decay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${local.apiKey}` },
      body: JSON.stringify(request),
    }).catch(() => {
      throw new InputError(`the local runtime at ${local.url} does not answer: is "npm start" running?`);
    });
    if (!response.ok)
      throw new InputError(`the decay sweep failed: ${response.status} ${await response.text()}`);
    const result = (await response.json()) as SweepResult;
    console.log(
      `decay as of ${result.at}: ${summary(result)}${result.complete ? '' : '; the sweep goes on in a new invocation'}`,
    );
    return 0;
  },
};

function summary(result: SweepResult): string {
  return result.preview
    ? `preview: ${result.visited} due score(s) visited, ${result.preview.wouldWrite} would be written, ${result.preview.wouldCross} would change band; nothing written (--commit to write)`
    : `${result.visited} due score(s) visited, ${result.written} written`;
}
