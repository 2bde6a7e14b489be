import type { TableNames } from './store/tables.ts';

/**
 * Names of what a deployment creates: every table, function, role, topic, queue and secret of a stage is
 * `leadscore-<stage>-<what>`, so an operator command needs only the stage. The stack, the CLI and the local
 * runtime (which plays a stage of its own) all name things here.
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,20}$/;

/** The stage the local runtime plays: its tables are leadscore-local-activities, -leads and -search. */
export const LOCAL_STAGE = 'local';

export function resourceName(stage: string, what: string): string {
  return `leadscore-${stage}-${what}`;
}

export function functionName(stage: string, handler: string): string {
  return resourceName(stage, handler);
}

export function tableNames(stage: string): TableNames {
  return {
    activities: resourceName(stage, 'activities'),
    leads: resourceName(stage, 'leads'),
    search: resourceName(stage, 'search'),
  };
}
