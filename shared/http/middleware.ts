import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  IdentityConflict,
  LeadErased,
  LeadMoved,
  OutcomeConflict,
  type StoreError,
  UnknownLead,
} from '../store/errors.ts';
import { count, logger } from '../telemetry.ts';
import { HttpProblem, problemResponse, problems } from './problem.ts';

/** What a store's refusal means to an HTTP client; anything else is ours (500). */
function problemOf(error: unknown, method: string | undefined): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof LeadErased) {
    // A read of an erased lead refuses nothing: counted apart from the writes that erasure turned away.
    count(method === 'GET' ? 'reads.erased' : 'writes.refused-erased');
    return problems.gone(`${(error as StoreError).message}; nothing more is recorded for it`);
  }
  if (error instanceof UnknownLead) return problems.notFound(error.message);
  if (error instanceof IdentityConflict || error instanceof OutcomeConflict || error instanceof LeadMoved)
    return problems.conflict(error.message);
  return undefined;
}

/**
 * Turns a thrown HttpProblem, or a store's refusal (erased 410, unknown 404, conflicts 409), into its problem+json
 * answer, and anything else into a logged 500 that says nothing inside.
 */
export function httpProblems(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const instance = request.event.requestContext?.requestId;
      const problem = problemOf(request.error, request.event.requestContext?.http?.method);
      if (problem) {
        request.response = problemResponse(problem, instance);
        return;
      }
      logger.error('request failed', { error: request.error as Error, path: request.event.rawPath });
      request.response = problemResponse(
        new HttpProblem(
          500,
          'Internal Server Error',
          'the request could not be completed; it is safe to retry',
        ),
        instance,
      );
    },
  };
}
