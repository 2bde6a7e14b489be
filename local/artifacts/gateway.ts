import { createServer, type Server } from 'node:http';
import { matchPath } from '../../shared/http/routes.ts';
import { toApiGatewayEvent, writeResult } from '../gateway.ts';
import type { LambdaService } from './lambda.ts';
import { ACCOUNT, REGION, type Template } from './template.ts';

/** The HTTP API of the template: each route key to its integration's function, as payload 2.0 events. */
export async function startGateway(
  template: Template,
  lambda: LambdaService,
): Promise<{ server: Server; url: string }> {
  const routes = template.ofType('AWS::ApiGatewayV2::Route').map(([, route]) => {
    const p = route.Properties!;
    const integrationId = /"Ref":"([^"]+)"/.exec(JSON.stringify(p.Target))![1]!;
    const integration = template.resources[integrationId]!.Properties!;
    const [method, path] = (p.RouteKey as string).split(' ') as [string, string];
    return {
      routeKey: p.RouteKey as string,
      method,
      path,
      functionArn: template.resolve(integration.IntegrationUri) as string,
    };
  });
  const apiId = template.ref(template.ofType('AWS::ApiGatewayV2::Api')[0]![0]);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    for (const route of routes) {
      if (route.method !== request.method) continue;
      const params = matchPath(route.path, path);
      if (!params) continue;
      void (async () => {
        const event = await toApiGatewayEvent(
          request,
          route.routeKey,
          route.path.includes('{') ? params : undefined,
        );
        Object.assign(event.requestContext, {
          accountId: ACCOUNT,
          apiId,
          domainName: `${apiId}.execute-api.${REGION}.amazonaws.com`,
          domainPrefix: apiId,
        });
        const result = await lambda.invoke(route.functionArn, event);
        if (!result.ok) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end('{"message":"Internal Server Error"}');
          return;
        }
        writeResult(response, JSON.parse(result.payload));
      })().catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error.message);
      });
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"message":"Not Found"}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}
