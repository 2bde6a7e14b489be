import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionUrlOriginAccessControl,
  type IOrigin,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  type CfnFunction,
  FunctionUrlAuthType,
  type Function as LambdaFunction,
} from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROUTES } from '../shared/http/routes.ts';
import type { StackConfig } from './config.ts';

export interface TrackingEndpointProps {
  config: StackConfig;
  /** The HTTP API's URL, no trailing slash. */
  apiUrl: string;
  /** The functions that take tracking hits (the manifest's `tracking`), with their handler names. */
  functions: { handler: string; fn: LambdaFunction }[];
}

/**
 * Where the public take tracking hits (the pixel, tracked links), as `pixelEndpoint` says:
 * - `httpApi`: the HTTP API's own routes (the stack adds them with every other route);
 * - `functionUrl`: each function's public Lambda function URL, with no per-request charge;
 * - `cloudfront`: those URLs signed-only (IAM, origin access control) behind one CloudFront distribution, with
 *   the web ACL `pixelWebAclArn` names.
 * In every mode `publicConcurrency` caps each function's instances. The handlers are the same in all three: a
 * function URL sends the same payload 2.0 event as the HTTP API.
 */
export class TrackingEndpoint extends Construct {
  /** The public URL of a tracking handler's hits, e.g. `https://…/p.gif`. */
  readonly urlOf: (handler: string) => string;

  constructor(scope: Construct, id: string, props: TrackingEndpointProps) {
    super(scope, id);
    const { config } = props;
    const pathOf = (handler: string) => ROUTES.find((r) => r.handler === handler)!.path;
    for (const { fn } of props.functions)
      if (config.publicConcurrency !== undefined)
        (fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions = config.publicConcurrency;

    if (config.pixelEndpoint === 'httpApi') {
      this.urlOf = (handler) => `${props.apiUrl}${pathOf(handler)}`;
      return;
    }
    const authType =
      config.pixelEndpoint === 'functionUrl' ? FunctionUrlAuthType.NONE : FunctionUrlAuthType.AWS_IAM;
    // A function URL ends in "/" and serves every path: the route's path keeps links and snippets as they were.
    const urls = new Map(
      props.functions.map(({ handler, fn }) => [handler, fn.addFunctionUrl({ authType })]),
    );
    if (config.pixelEndpoint === 'functionUrl') {
      this.urlOf = (handler) => `${urls.get(handler)!.url}${pathOf(handler).slice(1)}`;
      return;
    }

    // Nothing is cached (every hit is an event), and the function sees the visitor's query and headers.
    const behaviour = (origin: IOrigin) => ({
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    });
    // One origin access control signs CloudFront's requests to both URLs; nothing else may call them.
    const originAccessControl = new FunctionUrlOriginAccessControl(this, 'OriginAccess');
    const origins = new Map(
      [...urls].map(([handler, url]) => [
        handler,
        FunctionUrlOrigin.withOriginAccessControl(url, { originAccessControl }),
      ]),
    );
    const [first] = props.functions;
    const distribution = new Distribution(this, 'Distribution', {
      comment: `Leadscore ${config.stage} tracking`,
      defaultBehavior: behaviour(origins.get(first!.handler)!),
      additionalBehaviors: Object.fromEntries(
        [...origins].map(([handler, origin]) => [pathOf(handler), behaviour(origin)]),
      ),
      priceClass: PriceClass.PRICE_CLASS_100,
      ...(config.pixelWebAclArn && { webAclId: config.pixelWebAclArn }),
    });
    this.urlOf = (handler) => `https://${distribution.distributionDomainName}${pathOf(handler)}`;
  }
}
