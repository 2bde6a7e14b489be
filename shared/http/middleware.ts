import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logger } from '../telemetry.ts';
import { HttpProblem, problemResponse } from './problem.ts';

/** Turns a thrown HttpProblem into its problem+json answer, and anything else into a logged 500 that says nothing inside. */
export function httpProblems(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const instance = request.event.requestContext?.requestId;
      if (request.error instanceof HttpProblem) {
        request.response = problemResponse(request.error, instance);
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
