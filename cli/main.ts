import { runApiKey } from './apikey.ts';
import { runDecay } from './decay.ts';
import { runEvaluate } from './evaluate.ts';
import { runImport } from './import.ts';
import { runReindex } from './reindex.ts';
import { runRescore } from './rescore.ts';
import { runScore } from './score.ts';
import { runSeed } from './seed.ts';
import { runSynth } from './synth.ts';
import { runToken } from './token.ts';
import { runTrain } from './train.ts';
import { runValidate } from './validate.ts';

export interface Command {
  summary: string;
  usage: string;
  run: (args: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  validate: runValidate,
  score: runScore,
  token: runToken,
  apikey: runApiKey,
  decay: runDecay,
  rescore: runRescore,
  reindex: runReindex,
  import: runImport,
  seed: runSeed,
  synth: runSynth,
  evaluate: runEvaluate,
  train: runTrain,
};

const HELP = `leadscore: lead scoring from the command line

Usage: leadscore <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "leadscore <command> --help" for a command's options.`;

/** Returns the process exit code: 0 on success, 1 when the input is wrong, 2 when the command line is. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`leadscore: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\n${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`leadscore ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    if (error instanceof InputError) {
      console.error(`leadscore ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The command line itself is wrong (unknown flag, missing argument). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A file the user named is missing or wrong; the message says which and why. */
export class InputError extends Error {
  override name = 'InputError';
}
