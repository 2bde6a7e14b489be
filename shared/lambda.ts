import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireApiKey } from './http/auth.ts';
import { httpProblems } from './http/middleware.ts';
import { HttpProblem, problems } from './http/problem.ts';
import { functionSpec } from './manifest.ts';
import type { LeadDirectory } from './store/leads.ts';
import { logger, metrics } from './telemetry.ts';

/**
 * Any function's handler, as Lambda runs it: every log line carries the invocation's context (request id,
 * function name, cold start), and the metrics it counted are flushed as EMF at the end of each invocation,
 * whether it succeeded or threw.
 */
export function lambdaHandler<Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A function URL (pixelEndpoint functionUrl or cloudfront) hands a function every method and path; the HTTP API
 * only its routes. A tracking function answers its own routes alone, so a link scanner's HEAD or a stray path
 * is refused rather than recorded, however it is served.
 */
function onlyRoutes(
  routes: readonly { method: string; path: string }[],
): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async ({ event }) => {
      const here = routes.filter((r) => r.path === event.rawPath);
      if (here.length === 0) throw problems.notFound(`no route for ${event.rawPath}`);
      if (!here.some((r) => r.method === event.requestContext.http.method))
        throw new HttpProblem(
          405,
          'Method Not Allowed',
          `${event.rawPath} takes ${here.map((r) => r.method).join(', ')}`,
        );
    },
  };
}

/**
 * A route's handler: problems become problem+json answers, and an API key is required exactly where the
 * manifest's route for this function says so, so no handler has to remember it.
 */
export function httpHandler(name: string, handler: HttpHandler, directory?: LeadDirectory) {
  const spec = functionSpec(name);
  if (spec.trigger.kind !== 'http') throw new Error(`${name} is not served over HTTP`);
  const auth = new Set(spec.trigger.routes.map((r) => r.auth));
  if (auth.size !== 1) throw new Error(`${name}: its routes must agree on whether they need an API key`);
  const chain = lambdaHandler(handler).use(httpProblems());
  if (spec.tracking) chain.use(onlyRoutes(spec.trigger.routes));
  if (!auth.has(true)) return chain;
  if (!directory) throw new Error(`${name} needs an API key on its routes, so it needs the lead directory`);
  return chain.use(requireApiKey(directory));
}
