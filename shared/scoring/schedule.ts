/**
 * What the decay schedule hands the sweep: the time the run was scheduled for. In AWS that is EventBridge
 * Scheduler's `<aws.scheduler.scheduled-time>` placed in the target's input; the local runtime's schedule sends
 * the same payload with the time it fired for. test/fixtures/aws/scheduler-decay-input.json is its shape.
 */
export function scheduledDecay(scheduledTime: string): { at: string } {
  return { at: scheduledTime };
}
