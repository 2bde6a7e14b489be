import type { Stack } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';

/**
 * cdk-nag (AWS Solutions) findings reviewed and accepted, each with its reason. Anything not acknowledged here
 * fails `cdk synth` and the nag test.
 */
export const REVIEWED_FINDINGS: readonly { id: string; reason: string }[] = [
  {
    id: 'AwsSolutions::AwsSolutions-APIG4',
    reason:
      'Every /v1 route checks its API key in the handler (shared/http/auth.ts, hashed keys in DynamoDB), the same code the local runtime runs; the pixel, the click redirect and the OpenAPI document are public by design.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason:
      'These queues are the dead-letter queues (stream on-failure destinations, the bus target and the decay schedule); a dead-letter queue of a dead-letter queue would hide what it is for.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason:
      'The secret signs pixel tokens already sent in e-mails and embedded in pages; rotating it automatically would silently stop tracking them. Rotate deliberately (docs/deploy.md).',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Publishing to an encrypted SNS topic needs kms:GenerateDataKey* on the topic key; the grant is scoped to that one key.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<DecaySweepFunction61EAC613.Arn>:*]',
    reason:
      "EventBridge Scheduler's role may invoke the decay-sweep function and its versions, nothing else.",
  },
  {
    id: 'AwsSolutions::AwsSolutions-CFR1',
    reason:
      'The tracking distribution (pixelEndpoint: cloudfront) serves pages and e-mails read anywhere; a country rule belongs in the web ACL pixelWebAclArn names, where the team chooses it.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-CFR3',
    reason:
      'Every tracking hit the distribution passes is recorded in the activity ledger, and rejected ones are logged and counted by the pixel function; CloudFront access logs would store each hit a second time at a cost per event.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-CFR4',
    reason:
      "The tracking distribution uses CloudFront's own domain and certificate, whose minimum protocol CloudFront sets; a custom domain with TLSv1.2_2021 is a deployment's own change (docs/deploy.md).",
  },
];

export function acknowledgeReviewedFindings(stack: Stack): void {
  for (const finding of REVIEWED_FINDINGS) Validations.of(stack).acknowledge(finding);
}
