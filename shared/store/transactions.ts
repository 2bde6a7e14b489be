import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * Why each item of a cancelled transaction failed, in the order of its items ('ConditionalCheckFailed',
 * 'TransactionConflict', 'None', ...). Anything that is not a cancellation is thrown on.
 */
export function cancellationReasons(error: unknown): (string | undefined)[] {
  if (!(error instanceof TransactionCanceledException)) throw error;
  return (error.CancellationReasons ?? []).map((r) => r.Code);
}
