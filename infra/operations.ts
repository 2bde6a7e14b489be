import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName } from '../shared/names.ts';

export interface OperationsProps {
  stage: string;
  key: IKey;
  alarmEmail: string | undefined;
  functions: IFunction[];
  streamConsumers: IFunction[];
  deadLetterQueues: Queue[];
  api: HttpApi;
  tables: TableV2[];
}

/**
 * What the people running Leadscore watch: alarms to an operations topic (with an optional e-mail subscriber),
 * and one dashboard. docs/deploy.md says what each alarm means and what to do.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      topicName: resourceName(props.stage, 'operations'),
      displayName: 'Leadscore operations',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    grantAlarmsPublish(this.topic, props.key);
    const action = new SnsAction(this.topic);
    const alarm = (
      alarmId: string,
      metric: Metric | MathExpression,
      threshold: number,
      description: string,
    ) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    const period = Duration.minutes(5);
    for (const fn of props.functions) {
      const id = fn.node.scope!.node.id;
      alarm(
        `${id}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        1,
        `${id}: invocations failed (errors thrown, timeouts). Stream consumers retry; see the function's logs.`,
      );
      alarm(
        `${id}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        1,
        `${id}: invocations throttled; the account's concurrency is exhausted or reserved too low.`,
      );
    }
    for (const fn of props.streamConsumers) {
      const id = fn.node.scope!.node.id;
      alarm(
        `${id}IteratorAge`,
        iteratorAge(fn, period),
        60_000,
        `${id}: the stream is read more than a minute late; scores and notifications lag behind activity.`,
      );
    }
    for (const queue of props.deadLetterQueues) {
      alarm(
        `${queue.node.id}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
        `${queue.node.id}: records or events were given up on after their retries; inspect and redrive them.`,
      );
    }

    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: resourceName(props.stage, 'dashboard'),
    });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [props.api.metricCount({ period }), props.api.metricClientError({ period })],
        right: [props.api.metricServerError({ period })],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (p50, p99)',
        left: [
          props.api.metricLatency({ period, statistic: 'p50' }),
          props.api.metricLatency({ period, statistic: 'p99' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Stream iterator age (max)',
        left: props.streamConsumers.map((fn) => iteratorAge(fn, period)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function errors',
        left: props.functions.map((fn) => fn.metricErrors({ period, statistic: 'Sum' })),
        width: 12,
      }),
      new GraphWidget({
        title: 'DynamoDB write units consumed',
        left: props.tables.map((t) => t.metricConsumedWriteCapacityUnits({ period, statistic: 'Sum' })),
        width: 12,
      }),
      new SingleValueWidget({
        title: 'Dead-letter queues (messages)',
        metrics: props.deadLetterQueues.map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        ),
        width: 12,
      }),
    );
  }
}

/**
 * CloudWatch publishes alarm actions as its own service principal, and an SNS topic encrypted with a
 * customer-managed key drops what that principal cannot encrypt, silently: the key policy must let it use the
 * key, and the topic policy let it publish. Both only for alarms of this account and region.
 */
export function grantAlarmsPublish(topic: Topic, key: IKey): void {
  const stack = Stack.of(topic);
  const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  const conditions = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsUseTheKey',
      principals: [cloudwatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions,
    }),
  );
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions,
    }),
  );
}

/** How far behind its stream a consumer reads (Lambda has no metric method for it). */
function iteratorAge(fn: IFunction, period: Duration): Metric {
  return new Metric({
    namespace: 'AWS/Lambda',
    metricName: 'IteratorAge',
    dimensionsMap: { FunctionName: fn.functionName },
    statistic: 'Maximum',
    period,
  });
}
