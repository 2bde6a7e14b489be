import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  type DestinationConfig,
  FilterCriteria,
  FilterRule,
  type IDestination,
  type IEventSourceDlq,
  type IFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, LogGroupClass, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { BackoffFunction, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROUTES } from '../shared/http/routes.ts';
import { BUS_DETAIL_TYPES } from '../shared/ingest/bus.ts';
import { ASYNC_INVOKED, FUNCTIONS, functionTriggeredBy } from '../shared/manifest.ts';
import { resourceName } from '../shared/names.ts';
import { HTTP_DELIVERY_POLICY } from '../shared/notify/delivery.ts';
import { scheduledDecay } from '../shared/scoring/schedule.ts';
import { ACTIVITIES_TABLE, LEADS_TABLE, SEARCH_TABLE } from '../shared/store/tables.ts';
import { STREAM_CONSUMERS } from '../shared/streams.ts';
import { ACCESS_LOG_FIELDS } from './access-log.ts';
import type { StackConfig } from './config.ts';
import { bundledModels, LeadscoreFunction, type Resources } from './functions.ts';
import { Operations } from './operations.ts';
import { tableFrom } from './tables.ts';
import { TrackingEndpoint } from './tracking.ts';

export interface LeadscoreStackProps extends StackProps {
  config: StackConfig;
}

/**
 * The whole system in one stack: tables from the shared definitions, one function per handler of functions/,
 * the HTTP API from the shared route table, the bus, the stream consumers from the shared consumer table, the
 * nightly decay schedule, the notification topic, and alarms and a dashboard for whoever runs it.
 */
export class LeadscoreStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadscoreStackProps) {
    super(scope, id, props);
    const { config } = props;
    const name = (what: string) => resourceName(config.stage, what);
    const removalPolicy = config.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const activities = tableFrom(this, ACTIVITIES_TABLE, name('activities'), removalPolicy);
    const leads = tableFrom(this, LEADS_TABLE, name('leads'), removalPolicy);
    const search = tableFrom(this, SEARCH_TABLE, name('search'), removalPolicy);

    const signingSecret = new Secret(this, 'SigningSecret', {
      secretName: name('signing-secret'),
      description: 'HMAC key of Leadscore pixel tokens and signed redirects',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    // One customer-managed key for the topics (SNS needs one that subscribers' services may be granted).
    const topicKey = new Key(this, 'TopicKey', {
      description: 'Leadscore notification and operations topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const notifications = new Topic(this, 'Notifications', {
      topicName: name('notifications'),
      displayName: 'Leadscore threshold crossings',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // Every subscription gets a dead-letter queue: what SNS gives up on after its delivery policy is kept.
    const subscriptionDeadLetters = deadLetterQueue(
      this,
      'SubscriptionDeadLetters',
      name('notifications-dlq'),
    );
    for (const s of config.subscriptions) {
      notifications.addSubscription(subscriptionFor(this, s, subscriptionDeadLetters));
    }

    const resources: Resources = {
      activities: {
        definition: ACTIVITIES_TABLE,
        tableName: activities.tableName,
        tableArn: activities.tableArn,
      },
      leads: { definition: LEADS_TABLE, tableName: leads.tableName, tableArn: leads.tableArn },
      search: { definition: SEARCH_TABLE, tableName: search.tableName, tableArn: search.tableArn },
      activityRetentionDays: config.activityRetentionDays,
      signingSecret,
      notifications,
    };
    const models = bundledModels(config.models);
    const functions = new Map(
      FUNCTIONS.map((spec) => {
        const f = new LeadscoreFunction(this, toPascal(spec.handler), {
          spec,
          stage: config.stage,
          models,
          resources,
          logRetention: config.logRetentionDays as RetentionDays,
        });
        return [spec.handler, f.fn] as const;
      }),
    );
    const fn = (handler: string) => {
      const found = functions.get(handler);
      if (!found) throw new Error(`no function for handler ${handler}`);
      return found;
    };

    // The HTTP API: every route of the shared route table, to its handler. API keys are checked by the handlers.
    // Its access log is one line per request, every pixel hit included, and only ever searched (Logs Insights):
    // the Infrequent Access class ingests it at half the price. It has no metric or subscription filters and no
    // Live Tail, which nothing here uses on it (the functions' own log groups, which carry the EMF metrics, stay
    // Standard).
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/http-api/${name('api')}`,
      logGroupClass: LogGroupClass.INFREQUENT_ACCESS,
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new HttpApi(this, 'Api', {
      apiName: name('api'),
      description: 'Leadscore: pixel, events, leads and scores',
      createDefaultStage: false,
    });
    const stage = api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    // Tracking hits go to the HTTP API unless the configuration serves them from function URLs (below).
    const tracking = new Set(FUNCTIONS.filter((f) => f.tracking).map((f) => f.handler));
    for (const route of ROUTES) {
      if (config.pixelEndpoint !== 'httpApi' && tracking.has(route.handler)) continue;
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${toPascal(route.handler)}Integration`, fn(route.handler)),
      });
    }

    // CRM and marketing tools put events on the bus; the rule hands Leadscore's detail-types to ingest-bus.
    const bus = new EventBus(this, 'Bus', { eventBusName: name('bus') });
    // Tools in other accounts (a CRM's integration account, say) put events here directly.
    for (const account of config.busPublisherAccounts)
      bus.addToResourcePolicy(
        new PolicyStatement({
          sid: `PutEventsFrom${account}`,
          principals: [new AccountPrincipal(account)],
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
        }),
      );
    const busDeadLetters = deadLetterQueue(this, 'BusDeadLetters', name('bus-dlq'));
    new Rule(this, 'BusRule', {
      eventBus: bus,
      description: 'Leadscore activities, profiles and outcomes to the ingest-bus function',
      eventPattern: { detailType: [...BUS_DETAIL_TYPES] },
      targets: [
        new LambdaFunction(fn(functionTriggeredBy('bus').handler), {
          deadLetterQueue: busDeadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // Stream consumers, with the settings the local runtime's poller honours too.
    const streamDeadLetters = new Map<string, Queue>();
    for (const consumer of STREAM_CONSUMERS) {
      const table = consumer.table === 'activities' ? activities : leads;
      const queue = deadLetterQueue(
        this,
        `${toPascal(consumer.handler)}Failures`,
        name(`${consumer.handler}-failures`),
      );
      streamDeadLetters.set(consumer.handler, queue);
      fn(consumer.handler).addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: consumer.batchSize,
          maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
          retryAttempts: consumer.retryAttempts,
          maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
          bisectBatchOnError: consumer.bisectBatchOnError,
          reportBatchItemFailures: consumer.reportBatchItemFailures,
          onFailure: new FailureQueue(queue),
          filters: consumer.filters.map((pattern) =>
            FilterCriteria.filter({
              ...(pattern.eventName && { eventName: FilterRule.or(...pattern.eventName) }),
              ...((pattern.newImageEntity || pattern.sortKey) && {
                dynamodb: {
                  ...(pattern.newImageEntity && {
                    NewImage: { entity: { S: FilterRule.or(...pattern.newImageEntity) } },
                  }),
                  ...(pattern.sortKey && { Keys: { sk: { S: FilterRule.or(...pattern.sortKey) } } }),
                },
              }),
            }),
          ),
        }),
      );
    }

    // The nightly decay sweep. When Lambda's time runs short it hands itself the rest (the manifest's
    // continuesItself: its grant and variable come with the function).
    const decay = fn(functionTriggeredBy('schedule').handler);
    const decayDeadLetters = deadLetterQueue(this, 'DecayDeadLetters', name('decay-dlq'));
    new Schedule(this, 'DecaySchedule', {
      scheduleName: name('decay'),
      description: 'The nightly decay sweep',
      schedule: ScheduleExpression.expression(config.decaySchedule, TimeZone.of(config.decayTimeZone)),
      target: new LambdaInvoke(decay, {
        // The sweep ages scores as of the time the run was scheduled for, so a retried run ages them alike.
        input: ScheduleTargetInput.fromObject(scheduledDecay(ContextAttribute.scheduledTime)),
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: decayDeadLetters,
      }),
    });

    // What Lambda invokes asynchronously (the rule, the schedule, continuations, jobs) it retries a bounded number
    // of times; the record of an invocation that still failed is kept in a queue of its own, which alarms. The
    // rule's and the schedule's dead-letter queues only catch events they could not hand to Lambda at all.
    const asyncFailures = ASYNC_INVOKED.map((a) => {
      const queue = deadLetterQueue(
        this,
        `${toPascal(a.handler)}AsyncFailures`,
        name(`${a.handler}-async-failures`),
      );
      fn(a.handler).configureAsyncInvoke({
        retryAttempts: a.retryAttempts,
        maxEventAge: Duration.seconds(a.maxEventAgeSeconds),
        onFailure: new FailureQueue(queue),
      });
      return queue;
    });

    const operations = new Operations(this, 'Operations', {
      stage: config.stage,
      key: topicKey,
      alarmEmail: config.alarmEmail,
      functions: [...functions.values()],
      streamConsumers: STREAM_CONSUMERS.map((c) => fn(c.handler)),
      deadLetterQueues: [
        busDeadLetters,
        decayDeadLetters,
        subscriptionDeadLetters,
        ...streamDeadLetters.values(),
        ...asyncFailures,
      ],
      api,
      tables: [activities, leads, search],
    });

    const url = stage.url.replace(/\/$/, '');
    new CfnOutput(this, 'ApiUrl', { value: url, description: 'The HTTP API' });
    const trackingUrl = new TrackingEndpoint(this, 'Tracking', {
      config,
      apiUrl: url,
      functions: [...tracking].map((handler) => ({ handler, fn: fn(handler) })),
    }).urlOf;
    new CfnOutput(this, 'PixelUrl', {
      value: trackingUrl('pixel'),
      description: 'Where the pixel is served',
    });
    new CfnOutput(this, 'RedirectUrl', {
      value: trackingUrl('redirect'),
      description: 'Where tracked links go (leadscore token --link)',
    });
    new CfnOutput(this, 'PixelSnippet', {
      value: `<img src="${trackingUrl('pixel')}?t=LEAD_TOKEN&e=page_view" width="1" height="1" alt="" style="position:absolute">`,
      description: 'Paste into pages and e-mails; LEAD_TOKEN from `leadscore token`',
    });
    new CfnOutput(this, 'TopicArn', { value: notifications.topicArn, description: 'Threshold crossings' });
    new CfnOutput(this, 'BusName', { value: bus.eventBusName, description: 'Send CRM events here' });
    new CfnOutput(this, 'OperationsTopicArn', { value: operations.topic.topicArn, description: 'Alarms' });
    new CfnOutput(this, 'SigningSecretArn', {
      value: signingSecret.secretArn,
      description: 'Pixel-token key',
    });
  }
}

/**
 * A queue as a function's on-failure destination, for its stream's event source mapping or its asynchronous
 * invocations: Lambda sends the record there with the function's role, which needs sqs:SendMessage on it and
 * nothing else (CDK's SqsDlq and SqsDestination grant GetQueueAttributes and GetQueueUrl too).
 */
class FailureQueue implements IEventSourceDlq, IDestination {
  private readonly queue: Queue;

  constructor(queue: Queue) {
    this.queue = queue;
  }

  bind(_scope: unknown, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    return { destination: this.queue.queueArn };
  }
}

function deadLetterQueue(scope: Construct, id: string, queueName: string): Queue {
  return new Queue(scope, id, {
    queueName,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

function subscriptionFor(scope: Construct, s: StackConfig['subscriptions'][number], deadLetterQueue: Queue) {
  const filterPolicy = s.filterPolicy ? filterPolicyOf(s.filterPolicy) : undefined;
  const options = { deadLetterQueue, ...(filterPolicy && { filterPolicy }) };
  switch (s.protocol) {
    case 'email':
      return new EmailSubscription(s.endpoint, options);
    case 'https':
      return new UrlSubscription(s.endpoint, {
        ...options,
        rawMessageDelivery: false,
        // The numbers the local topic follows too (shared/notify/delivery.ts).
        deliveryPolicy: {
          healthyRetryPolicy: {
            numRetries: HTTP_DELIVERY_POLICY.numRetries,
            numNoDelayRetries: HTTP_DELIVERY_POLICY.numNoDelayRetries,
            numMinDelayRetries: HTTP_DELIVERY_POLICY.numMinDelayRetries,
            numMaxDelayRetries: HTTP_DELIVERY_POLICY.numMaxDelayRetries,
            minDelayTarget: Duration.seconds(HTTP_DELIVERY_POLICY.minDelayTargetSeconds),
            maxDelayTarget: Duration.seconds(HTTP_DELIVERY_POLICY.maxDelayTargetSeconds),
            backoffFunction: BackoffFunction.LINEAR,
          },
        },
      });
    case 'sqs':
      return new SqsSubscription(
        Queue.fromQueueArn(scope, `Subscriber${s.endpoint.split(':').pop()}`, s.endpoint),
        options,
      );
  }
}

function filterPolicyOf(policy: Record<string, string[]>) {
  // One allow-list per message attribute: type, model, band, direction (README, "Notifications").
  return Object.fromEntries(
    Object.entries(policy).map(([attribute, values]) => [
      attribute,
      SubscriptionFilter.stringFilter({ allowlist: values }),
    ]),
  );
}

function toPascal(handler: string): string {
  return handler.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
