import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { stackConfig } from '../../infra/config.ts';
import { acknowledgeReviewedFindings, REVIEWED_FINDINGS } from '../../infra/nag.ts';
import { LeadscoreStack } from '../../infra/stack.ts';

/** The app as infra/app.ts builds it: the stack, its reviewed findings, cdk-nag's AWS Solutions pack. */
function appWith(extra?: (stack: Stack) => void, context: Record<string, unknown> = {}): App {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LeadscoreStack(app, 'Leadscore-test', { config: stackConfig((k) => context[k]) });
  acknowledgeReviewedFindings(stack);
  extra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk-nag (AWS Solutions)', () => {
  it('finds nothing that is not acknowledged, and every acknowledgement has its reason', {
    timeout: 60_000,
  }, () => {
    expect(() => appWith().synth()).not.toThrow();
    for (const finding of REVIEWED_FINDINGS) expect(finding.reason.length).toBeGreaterThan(40);
  });

  it.each([
    { pixelEndpoint: 'functionUrl', publicConcurrency: 50 },
    {
      pixelEndpoint: 'cloudfront',
      publicConcurrency: 20,
      pixelWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/leadscore/0a1b2c3d',
    },
  ])('finds nothing unacknowledged with the pixel served from %j', { timeout: 60_000 }, (context) => {
    expect(() => appWith(undefined, context).synth()).not.toThrow();
  });

  it('fails synth on a new finding', { timeout: 60_000 }, () => {
    // A queue that is neither a dead-letter queue nor kept to TLS: the pack must catch it.
    const app = appWith((stack) => new Queue(stack, 'Careless'));
    expect(() => app.synth()).toThrow(/[Vv]alidation/);
  });
});
