import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface CancellationReason {
  Code?: string;
  Message?: string;
  /** The item as stored, for an item written with ReturnValuesOnConditionCheckFailure ALL_OLD (marshalled). */
  Item?: Record<string, AttributeValue>;
}

/** Why each item of a cancelled TransactWriteItems was cancelled (by position). */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/** Why each item of a cancelled TransactWriteItems was cancelled (by position), e.g. 'None'. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  return cancellationReasons(error)?.map((reason) => reason.Code);
}

/** Which items of a cancelled TransactWriteItems failed their condition (by position). */
export function failedConditions(error: unknown): boolean[] | undefined {
  return cancellationCodes(error)?.map((code) => code === 'ConditionalCheckFailed');
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * A transaction cancelled only because another one touched the same items at the same time (no
 * condition failed): trying again is safe and usually succeeds.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TransactionConflictException') return true;
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'TransactionConflict') && !reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}

const CONFLICT_ATTEMPTS = 8;
const CONFLICT_BASE_DELAY_MS = 15;
const CONFLICT_MAX_DELAY_MS = 400;

/** Runs a transactional write, retrying TransactionConflict cancellations with full-jitter backoff. */
export async function retryOnTransactionConflict<T>(write: () => Promise<T>, attempts = CONFLICT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      const ceiling = Math.min(CONFLICT_MAX_DELAY_MS, CONFLICT_BASE_DELAY_MS * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
