import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface ProblemDetail {
  path: string;
  message: string;
}

/** An RFC 9457 problem: thrown anywhere in a request, answered as application/problem+json. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: number;
  readonly title: string;
  readonly errors: ProblemDetail[] | undefined;
  constructor(status: number, title: string, detail: string, errors?: ProblemDetail[]) {
    super(detail);
    this.status = status;
    this.title = title;
    this.errors = errors;
  }
}

export const problems = {
  badRequest: (detail: string, errors?: ProblemDetail[]) =>
    new HttpProblem(400, 'Bad Request', detail, errors),
  unauthorized: (detail: string) => new HttpProblem(401, 'Unauthorized', detail),
  notFound: (detail: string) => new HttpProblem(404, 'Not Found', detail),
  conflict: (detail: string) => new HttpProblem(409, 'Conflict', detail),
  gone: (detail: string) => new HttpProblem(410, 'Gone', detail),
  tooLarge: (detail: string) => new HttpProblem(413, 'Content Too Large', detail),
  unsupportedMediaType: (detail: string) => new HttpProblem(415, 'Unsupported Media Type', detail),
};

export function problemResponse(problem: HttpProblem, instance?: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({
      type: 'about:blank',
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      ...(instance && { instance }),
      ...(problem.errors && { errors: problem.errors }),
    }),
  };
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}
