import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ACCESS_LOG_FIELDS } from '../../infra/access-log.ts';
import { stackConfig } from '../../infra/config.ts';
import { LeadscoreStack } from '../../infra/stack.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { BUS_DETAIL_TYPES } from '../../shared/ingest/bus.ts';
import {
  ASYNC_INVOKED,
  environmentOf,
  FUNCTIONS,
  HTTP_INTEGRATION_LIMIT_SECONDS,
} from '../../shared/manifest.ts';
import { TABLES } from '../../shared/store/tables.ts';
import { STREAM_CONSUMERS } from '../../shared/streams.ts';

const SCHEDULER_SAMPLE = JSON.parse(
  readFileSync(new URL('../fixtures/aws/scheduler-decay-input.json', import.meta.url), 'utf8'),
);

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The stack as `cdk synth` builds it from this context; bundling skipped (the synth test bundles for real). */
function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LeadscoreStack(app, 'Test', { config: stackConfig((k) => context[k]) });
  return Template.fromStack(stack);
}

const template = synth({
  stage: 'test',
  alarmEmail: 'ops@example.com',
  subscriptions: [
    {
      protocol: 'https',
      endpoint: 'https://crm.example.com/hooks/leadscore',
      filterPolicy: { band: ['hot', 'mql'] },
    },
    { protocol: 'email', endpoint: 'sales@example.com' },
    { protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:123456789012:crm-inbox' },
  ],
});
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionNamed = (handler: string) => {
  const found = ofType('AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === `leadscore-test-${handler}`,
  );
  if (!found) throw new Error(`no function for ${handler}`);
  return { id: found[0], props: found[1].Properties };
};
const refId = (value: unknown): string => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v.Ref ?? v['Fn::GetAtt']![0];
};

describe('tables', () => {
  it.each(TABLES)(
    '$id is built from its shared definition: keys, indexes, stream, TTL, on demand, PITR, encrypted',
    (table) => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TableName: `leadscore-test-${table.id}`,
        KeySchema: [
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: table.stream ? { StreamViewType: table.stream } : Match.absent(),
        TimeToLiveSpecification: table.timeToLiveAttribute
          ? { AttributeName: table.timeToLiveAttribute, Enabled: true }
          : Match.absent(),
        SSESpecification: { SSEEnabled: true },
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
        ...(table.indexes.length > 0 && {
          GlobalSecondaryIndexes: table.indexes.map((index) =>
            Match.objectLike({
              IndexName: index.name,
              Projection: Match.objectLike({ ProjectionType: index.projection }),
            }),
          ),
        }),
      });
    },
  );

  it('has exactly the shared tables', () => {
    expect(ofType('AWS::DynamoDB::GlobalTable')).toHaveLength(TABLES.length);
  });
});

describe('functions', () => {
  it('has one function per handler spec and no other', () => {
    expect(
      ofType('AWS::Lambda::Function')
        .map(([, r]) => r.Properties.FunctionName)
        .sort(),
    ).toEqual(FUNCTIONS.map((f) => `leadscore-test-${f.handler}`).sort());
  });

  it.each(FUNCTIONS)(
    '$handler: Node 24 on arm64, sized, its own log group with retention, models bundled',
    (spec) => {
      const fn = functionNamed(spec.handler);
      expect(fn.props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        LoggingConfig: { LogFormat: 'JSON' },
      });
      const env = (fn.props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.LEADSCORE_MODELS).toBe('models/default.json');
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(env.SIGNING_SECRET).toBeUndefined();
      // Exactly the variables its uses bring, which is what its handler's configuration requires.
      const own = Object.keys(env).filter((k) => !['LEADSCORE_MODELS', 'NODE_OPTIONS'].includes(k));
      expect(own.filter((k) => !k.startsWith('POWERTOOLS_')).sort()).toEqual(environmentOf(spec).sort());
      const logGroup = resources[refId((fn.props.LoggingConfig as { LogGroup: unknown }).LogGroup)]!;
      expect(logGroup.Properties).toMatchObject({
        LogGroupName: `/aws/lambda/leadscore-test-${spec.handler}`,
        RetentionInDays: 30,
      });
    },
  );

  it.each(FUNCTIONS)('$handler: may do exactly what its spec names, on exactly those resources', (spec) => {
    const fn = functionNamed(spec.handler);
    const role = refId(fn.props.Role);
    expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => refId(r) === role))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    for (const s of statements) expect(s.Effect).toBe('Allow');

    // DynamoDB item actions, per table (streams are granted to the event source mapping separately).
    const granted = new Map<string, Set<string>>();
    for (const s of statements) {
      const actions = [s.Action].flat().filter((a) => a.startsWith('dynamodb:') && !isStreamAction(a));
      for (const resource of [s.Resource].flat()) {
        const key = resourceKey(resource);
        for (const a of actions) granted.set(key, new Set([...(granted.get(key) ?? []), a]));
      }
    }
    const expected = new Map<string, Set<string>>();
    for (const [table, grant] of [
      ['ActivitiesTable', spec.uses.activities],
      ['LeadsTable', spec.uses.leads],
      ['SearchTable', spec.uses.search],
    ] as const) {
      if (!grant) continue;
      expected.set(table, new Set(grant.actions.map((a) => `dynamodb:${a}`)));
      // An index is only queried: nothing else is granted on it.
      for (const index of grant.indexes ?? [])
        expected.set(`${table}/index/${index}`, new Set(['dynamodb:Query']));
    }
    expect(Object.fromEntries([...granted].map(([k, v]) => [k, [...v].sort()]))).toEqual(
      Object.fromEntries([...expected].map(([k, v]) => [k, [...v].sort()])),
    );

    // Nothing else: logs to its own group, the secret, the topic, sending to its failure queue (all Lambda does
    // with it), what it invokes by name.
    const other = statements.flatMap((s) => [s.Action].flat()).filter((a) => !a.startsWith('dynamodb:'));
    const allowed = new Set([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      ...(spec.uses.signingSecret ? ['secretsmanager:GetSecretValue'] : []),
      ...(spec.uses.notifications ? ['sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt'] : []),
      ...([...STREAM_CONSUMERS, ...ASYNC_INVOKED].some((c) => c.handler === spec.handler)
        ? ['sqs:SendMessage']
        : []),
      ...(spec.uses.invokes ? ['lambda:InvokeFunction'] : []),
    ]);
    for (const action of other) expect(allowed, `${spec.handler} may ${action}`).toContain(action);
    // Only listing streams, which has no narrower resource, may name every resource.
    for (const s of statements)
      if (s.Resource === '*') expect([s.Action].flat(), spec.handler).toEqual(['dynamodb:ListStreams']);
  });
});

describe('HTTP API', () => {
  it('is an HTTP API with throttling and access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      // The lean line the cost benchmark prices for every request (infra/access-log.ts).
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: JSON.stringify(ACCESS_LOG_FIELDS) },
    });
  });

  it('writes its access log to an Infrequent Access log group, as the cost benchmark prices it', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const destination = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(template.toJSON().Resources[destination]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupClass: 'INFREQUENT_ACCESS' },
    });
    // The functions' log groups carry the EMF metrics, which only the Standard class turns into metrics.
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup')))
      if (group !== template.toJSON().Resources[destination])
        expect(group.Properties.LogGroupClass ?? 'STANDARD').toBe('STANDARD');
  });

  it.each(ROUTES)('$method $path: its function ends before API Gateway gives up on it', (route) => {
    const timeout = functionNamed(route.handler).props.Timeout as number;
    expect(timeout).toBeLessThan(HTTP_INTEGRATION_LIMIT_SECONDS);
  });

  it.each(ROUTES)('$method $path goes to $handler', (route) => {
    const found = ofType('AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`,
    );
    expect(found).toBeDefined();
    const target = JSON.stringify(found![1].Properties.Target);
    const integration = ofType('AWS::ApiGatewayV2::Integration').find(([id]) => target.includes(id))!;
    expect(integration[1].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    expect(refId(integration[1].Properties.IntegrationUri)).toBe(functionNamed(route.handler).id);
  });

  it('has no route the shared route table does not', () => {
    expect(ofType('AWS::ApiGatewayV2::Route')).toHaveLength(ROUTES.length);
  });

  it.each([...new Set(ROUTES.map((r) => r.handler))])(
    "%s answers within API Gateway's 30 s integration limit (its timeout is shorter)",
    (handler) => {
      expect(functionNamed(handler).props.Timeout).toBeLessThan(30);
    },
  );
});

describe('streams', () => {
  it.each(STREAM_CONSUMERS)('$handler reads its table stream with the shared settings', (consumer) => {
    const fn = functionNamed(consumer.handler);
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(
      ([, r]) => refId(r.Properties.FunctionName) === fn.id,
    )!;
    expect(mapping).toBeDefined();
    const p = mapping[1].Properties;
    expect(p).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: consumer.batchSize,
      MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
      MaximumRetryAttempts: consumer.retryAttempts,
      MaximumRecordAgeInSeconds: consumer.maxRecordAgeSeconds,
      BisectBatchOnFunctionError: consumer.bisectBatchOnError,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(refId(p.EventSourceArn)).toMatch(
      consumer.table === 'activities' ? /^ActivitiesTable/ : /^LeadsTable/,
    );
    const queue =
      resources[
        refId((p.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination)
      ]!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const patterns = (p.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toHaveLength(consumer.filters.length);
    for (const [i, filter] of consumer.filters.entries()) {
      expect(patterns[i].eventName).toEqual(filter.eventName);
      expect(patterns[i].dynamodb?.NewImage?.entity?.S).toEqual(filter.newImageEntity);
      expect(patterns[i].dynamodb?.Keys?.sk?.S).toEqual(filter.sortKey);
    }
  });
});

describe('tracking endpoint (pixelEndpoint)', () => {
  const tracking = FUNCTIONS.filter((f) => f.tracking).map((f) => f.handler);
  const routeKeysOf = (t: Template) =>
    Object.values(t.toJSON().Resources as Record<string, Resource>)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey);
  const outputsOf = (t: Template) => JSON.stringify(t.toJSON().Outputs);
  const permissionsOf = (t: Template) =>
    Object.values(t.toJSON().Resources as Record<string, Resource>)
      .filter((r) => r.Type === 'AWS::Lambda::Permission')
      .map((r) => r.Properties);

  it('serves the pixel and tracked links from the HTTP API by default, with no function URL', () => {
    expect(tracking.sort()).toEqual(['pixel', 'redirect']);
    expect(routeKeysOf(template)).toEqual(expect.arrayContaining(['GET /p.gif', 'GET /r']));
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(outputsOf(template)).toContain('/p.gif?t=LEAD_TOKEN');
  });

  it('asks Lambda for no platform lines from what runs per event or batch (tracking, stream consumers), and keeps them for every other', () => {
    for (const spec of FUNCTIONS)
      expect(functionNamed(spec.handler).props.LoggingConfig, spec.handler).toMatchObject({
        LogFormat: 'JSON',
        SystemLogLevel: spec.tracking || spec.trigger.kind === 'stream' ? 'WARN' : 'INFO',
      });
  });

  it('functionUrl: a public function URL for each, both permissions Lambda asks of one, and no API route', () => {
    const t = synth({ stage: 'test', pixelEndpoint: 'functionUrl', publicConcurrency: 50 });
    const urls = Object.values(t.toJSON().Resources as Record<string, Resource>).filter(
      (r) => r.Type === 'AWS::Lambda::Url',
    );
    expect(urls.map((u) => u.Properties.AuthType)).toEqual(['NONE', 'NONE']);
    expect(routeKeysOf(t)).not.toContain('GET /p.gif');
    expect(routeKeysOf(t)).not.toContain('GET /r');
    expect(routeKeysOf(t)).toContain('POST /v1/events');
    for (const handler of tracking) {
      const id = Object.entries(t.toJSON().Resources as Record<string, Resource>).find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `leadscore-test-${handler}`,
      )![0];
      const mine = permissionsOf(t).filter((p) => refId(p.FunctionName) === id && p.Principal === '*');
      expect(mine).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE' }),
          expect.objectContaining({ Action: 'lambda:InvokeFunction', InvokedViaFunctionUrl: true }),
        ]),
      );
      expect(
        (t.toJSON().Resources as Record<string, Resource>)[id]!.Properties.ReservedConcurrentExecutions,
      ).toBe(50);
    }
    expect(outputsOf(t)).toContain('p.gif?t=LEAD_TOKEN');
    expect(outputsOf(t)).toContain('FunctionUrl');
  });

  it('cloudfront: signed-only function URLs behind one distribution with the web ACL, open to nobody else', () => {
    const webAcl = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/leadscore/0a1b2c3d';
    const t = synth({
      stage: 'test',
      pixelEndpoint: 'cloudfront',
      pixelWebAclArn: webAcl,
      publicConcurrency: 20,
    });
    t.resourcePropertiesCountIs('AWS::Lambda::Url', { AuthType: 'AWS_IAM' }, 2);
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: webAcl,
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/p.gif', AllowedMethods: ['GET', 'HEAD'] }),
          Match.objectLike({ PathPattern: '/r' }),
        ]),
      }),
    });
    expect(permissionsOf(t).filter((p) => p.Principal === '*')).toEqual([]);
    // Both permissions a function URL needs, for each function, from the distribution only.
    const fromCloudFront = permissionsOf(t).filter((p) => p.Principal === 'cloudfront.amazonaws.com');
    for (const handler of tracking) {
      const id = Object.entries(t.toJSON().Resources as Record<string, Resource>).find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `leadscore-test-${handler}`,
      )![0];
      const url = Object.entries(t.toJSON().Resources as Record<string, Resource>).find(
        ([, r]) => r.Type === 'AWS::Lambda::Url' && refId(r.Properties.TargetFunctionArn) === id,
      )![0];
      const mine = fromCloudFront.filter((p) => refId(p.FunctionName) === url);
      expect(mine.map((p) => p.Action).sort(), handler).toEqual([
        'lambda:InvokeFunction',
        'lambda:InvokeFunctionUrl',
      ]);
      for (const p of mine) expect(JSON.stringify(p.SourceArn)).toContain('Distribution');
    }
    expect(routeKeysOf(t)).not.toContain('GET /p.gif');
    expect(outputsOf(t)).toContain('DomainName');
  });

  it.each([
    [{ pixelEndpoint: 'lambda' }, /pixelEndpoint/],
    [{ pixelEndpoint: 'functionUrl' }, /publicConcurrency: required with pixelEndpoint: functionUrl/],
    [{ publicConcurrency: 0 }, /publicConcurrency/],
    [
      { pixelWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1' },
      /pixelWebAclArn: .*cloudfront/,
    ],
    [
      {
        pixelEndpoint: 'cloudfront',
        pixelWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1',
      },
      /pixelWebAclArn: must be a CloudFront-scope/,
    ],
    // The default model looks back 180 days: its 90-day horizon, and e-mail opens counted once per 90-day bucket.
    [
      { activityRetentionDays: 179 },
      /activityRetentionDays: 179 is shorter than model "default" looks back \(180 days/,
    ],
  ])('%j fails synth naming the field', (context, message) => {
    expect(() => stackConfig((k) => (context as Record<string, unknown>)[k])).toThrow(message);
  });
});

describe('bus, schedule, topics, secret', () => {
  it('forwards the Leadscore detail-types from the custom bus to ingest-bus, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'leadscore-test-bus' });
    const [, rule] = ofType('AWS::Events::Rule')[0]!;
    expect(rule.Properties.EventPattern).toEqual({ 'detail-type': [...BUS_DETAIL_TYPES] });
    const [target] = rule.Properties.Targets as Record<string, unknown>[];
    expect(refId(target!.Arn)).toBe(functionNamed('ingest-bus').id);
    expect(target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 8 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^BusDeadLetters/), 'Arn'] } },
    });
  });

  it.each(ASYNC_INVOKED)(
    '$handler: asynchronous invocations retried $retryAttempts times, then kept in an encrypted queue that alarms',
    (config) => {
      const fn = functionNamed(config.handler);
      const invokeConfigs = ofType('AWS::Lambda::EventInvokeConfig').filter(
        ([, r]) => refId(r.Properties.FunctionName) === fn.id,
      );
      expect(invokeConfigs).toHaveLength(1);
      const p = invokeConfigs[0]![1].Properties;
      expect(p).toMatchObject({
        Qualifier: '$LATEST',
        MaximumRetryAttempts: config.retryAttempts,
        MaximumEventAgeInSeconds: config.maxEventAgeSeconds,
      });
      const queueId = refId(
        (p.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination,
      );
      const queue = resources[queueId]!;
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties).toMatchObject({
        QueueName: `leadscore-test-${config.handler}-async-failures`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86_400,
      });
      const sslOnly = ofType('AWS::SQS::QueuePolicy').filter(([, r]) =>
        JSON.stringify(r.Properties.Queues).includes(queueId),
      );
      expect(JSON.stringify(sslOnly)).toContain('"aws:SecureTransport":"false"');
      // The function may send its records there (Lambda sends them with the function's role).
      const role = refId(fn.props.Role);
      const sends = ofType('AWS::IAM::Policy')
        .filter(([, r]) => (r.Properties.Roles as unknown[]).some((x) => refId(x) === role))
        .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
      expect(sends.map((s) => refId(s.Resource))).toContain(queueId);
      const alarm = ofType('AWS::CloudWatch::Alarm').filter(
        ([, a]) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Properties.Dimensions).includes(queueId),
      );
      expect(alarm).toHaveLength(1);
      expect(alarm[0]![1].Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: expect.stringMatching(/^OperationsTopic/) }],
      });
    },
  );

  it('gives no other function an asynchronous invocation config', () => {
    expect(ofType('AWS::Lambda::EventInvokeConfig')).toHaveLength(ASYNC_INVOKED.length);
  });

  it('lets a function invoke only the functions its spec names, by name', () => {
    for (const spec of FUNCTIONS) {
      const role = refId(functionNamed(spec.handler).props.Role);
      const invoked = ofType('AWS::IAM::Policy')
        .filter(([, r]) => (r.Properties.Roles as unknown[]).some((x) => refId(x) === role))
        .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
        .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
      expect(invoked, spec.handler).toHaveLength(spec.uses.invokes?.length ?? 0);
      for (const target of spec.uses.invokes ?? [])
        expect(
          invoked.some((r) => r.includes(`function:leadscore-test-${target}"`)),
          spec.handler,
        ).toBe(true);
    }
  });

  it('runs the decay sweep on the configured schedule', () => {
    const custom = synth({ decaySchedule: 'cron(30 3 * * ? *)', decayTimeZone: 'Europe/Berlin' });
    custom.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 3 } }),
    });
    const [, schedule] = ofType('AWS::Scheduler::Schedule')[0]!;
    const target = schedule.Properties.Target as { Arn: unknown; Input: string };
    expect(refId(target.Arn)).toBe(functionNamed('decay-sweep').id);
    // The payload the sweep receives: the documented shape, with Scheduler's own time placed in it.
    expect(JSON.parse(target.Input)).toEqual({ at: '<aws.scheduler.scheduled-time>' });
    expect(Object.keys(JSON.parse(target.Input))).toEqual(Object.keys(SCHEDULER_SAMPLE));
  });

  it('gives every subscription a dead-letter queue, and HTTPS ones the delivery policy the local topic follows', () => {
    const subscriptions = ofType('AWS::SNS::Subscription').filter(
      ([, r]) => r.Properties.Protocol !== 'email' || r.Properties.Endpoint !== 'ops@example.com',
    );
    expect(subscriptions.length).toBeGreaterThanOrEqual(3);
    for (const [, subscription] of subscriptions) {
      const target = (subscription.Properties.RedrivePolicy as { deadLetterTargetArn: unknown })
        .deadLetterTargetArn;
      expect(resources[refId(target)]!.Properties.QueueName).toBe('leadscore-test-notifications-dlq');
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      DeliveryPolicy: {
        healthyRetryPolicy: Match.objectLike({ numRetries: 3, minDelayTarget: 20, maxDelayTarget: 20 }),
      },
    });
  });

  it("lets CloudWatch alarms publish to the encrypted operations topic: the key's policy and the topic's", () => {
    const [topicId, topic] = ofType('AWS::SNS::Topic').find(
      ([, r]) => r.Properties.TopicName === 'leadscore-test-operations',
    )!;
    const key = resources[refId(topic.Properties.KmsMasterKeyId)]!;
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const forCloudWatch = statements.filter(
      (st) => (st.Principal as { Service?: string }).Service === 'cloudwatch.amazonaws.com',
    );
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]).toMatchObject({
      Effect: 'Allow',
      Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
      Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() } },
    });
    const policy = ofType('AWS::SNS::TopicPolicy').find(([, r]) =>
      (r.Properties.Topics as unknown[]).some((t) => refId(t) === topicId),
    )!;
    expect(
      (policy[1].Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    ).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
      }),
    );
    // And every alarm's actions go to that topic.
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm'))
      expect((alarm.Properties.AlarmActions as unknown[]).map(refId)).toEqual([topicId]);
  });

  it('encrypts both topics with a rotating key, and subscribes what the configuration lists, with filter policies', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const name of ['leadscore-test-notifications', 'leadscore-test-operations'])
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: name,
        KmsMasterKeyId: Match.anyValue(),
      });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://crm.example.com/hooks/leadscore',
      FilterPolicy: { band: ['hot', 'mql'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sales@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:crm-inbox',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('generates the signing secret in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'leadscore-test-signing-secret',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });
});

describe('operations', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const opsTopic = ofType('AWS::SNS::Topic').find(
    ([, t]) => t.Properties.TopicName === 'leadscore-test-operations',
  )![0];
  const on = (metric: string, dimension: string) =>
    alarms.filter(
      (a) =>
        a.MetricName === metric &&
        JSON.stringify(a.Dimensions).includes(dimension) &&
        JSON.stringify(a.AlarmActions).includes(opsTopic),
    );

  it.each(FUNCTIONS)('$handler: alarms on errors and throttles, to the operations topic', (spec) => {
    const id = functionNamed(spec.handler).id;
    expect(on('Errors', id)).toHaveLength(1);
    expect(on('Throttles', id)).toHaveLength(1);
  });

  it('alarms on iterator age of every stream consumer and on every dead-letter queue', () => {
    for (const c of STREAM_CONSUMERS) expect(on('IteratorAge', functionNamed(c.handler).id)).toHaveLength(1);
    for (const [id] of ofType('AWS::SQS::Queue'))
      expect(on('ApproximateNumberOfMessagesVisible', id), id).toHaveLength(1);
  });

  it('has a dashboard and the outputs a team needs', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'PixelSnippet', 'TopicArn', 'BusName', 'OperationsTopicArn']),
    );
    expect(JSON.stringify(outputs.PixelSnippet!.Value)).toContain('/p.gif?t=LEAD_TOKEN');
  });
});

describe('configuration', () => {
  it.each([
    [{ stage: 'Prod!' }, /stage: must be lower case/],
    [{ decaySchedule: 'every night' }, /decaySchedule: must be cron\(/],
    [{ alarmEmail: 'nobody' }, /alarmEmail: /],
    [
      { subscriptions: [{ protocol: 'https', endpoint: 'http://insecure.example.com' }] },
      /subscriptions\.0\.endpoint/,
    ],
    [{ logRetentionDays: 42 }, /logRetentionDays: must be one of/],
    [{ models: ['models/missing.yaml'] }, /models: .*missing\.yaml/],
    [{ throttle: '{"rateLimit": 0, "burstLimit": 10}' }, /throttle\.rateLimit/],
    [{ busPublisherAccounts: ['12345'] }, /busPublisherAccounts\.0: must be a 12-digit/],
    [
      { stage: 'prod', stages: { prod: { alarmMail: 'x@example.com' } } },
      /stages\.prod: unknown key\(s\) alarmMail/,
    ],
  ])('%j fails synth naming the field', (context, message) => {
    expect(() => stackConfig((k) => (context as Record<string, unknown>)[k])).toThrow(message);
  });

  it("takes a stage's own values over the top-level ones, and only for that stage", () => {
    const context = {
      alarmEmail: 'dev@example.com',
      stages: { prod: { alarmEmail: 'oncall@example.com', throttle: { rateLimit: 5000, burstLimit: 8000 } } },
    };
    const prod = stackConfig((k) => ({ ...context, stage: 'prod' })[k as 'stage']);
    expect(prod).toMatchObject({ alarmEmail: 'oncall@example.com', throttle: { rateLimit: 5000 } });
    const dev = stackConfig((k) => ({ ...context, stage: 'dev' })[k as 'stage']);
    expect(dev).toMatchObject({ alarmEmail: 'dev@example.com', throttle: { rateLimit: 1000 } });
  });

  it('lets the accounts it names put events on the bus, and no one else', () => {
    const custom = synth({ busPublisherAccounts: ['111122223333'] });
    custom.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Action: 'events:PutEvents',
        Principal: {
          AWS: Match.objectLike({
            'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::111122223333:root'])]),
          }),
        },
      }),
    });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('reads lists given on the command line as JSON', () => {
    const config = stackConfig((k) =>
      k === 'models' ? '["models/default.yaml","models/product-led.yaml"]' : undefined,
    );
    expect(config.models).toEqual(['models/default.yaml', 'models/product-led.yaml']);
  });
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const isStreamAction = (a: string) =>
  [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ].includes(a);

/** "ActivitiesTable" for the table's ARN, "LeadsTable/index/rank" for an index's. */
function resourceKey(resource: unknown): string {
  const text = JSON.stringify(resource);
  const table = /"(ActivitiesTable|LeadsTable|SearchTable)[0-9A-F]{8}"/.exec(text)?.[1] ?? text;
  const index = /\/index\/([a-z]+)/.exec(text)?.[1];
  return index ? `${table}/index/${index}` : table;
}
