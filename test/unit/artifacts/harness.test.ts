import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPermissions } from '../../../local/artifacts/iam.ts';
import { matchesPattern } from '../../../local/artifacts/patterns.ts';
import { sdkPackages } from '../../../local/artifacts/sdk.ts';
import { asLambdaDelivers } from '../../../local/artifacts/stack.ts';
import { dynamoDbCalls } from '../../../local/artifacts/stand-ins.ts';
import { Template } from '../../../local/artifacts/template.ts';

/** The deployed-artifact harness's pure parts, offline: what they get wrong, the artifact suite would believe. */

const dir = mkdtempSync(join(tmpdir(), 'leadscore-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('template resolution', () => {
  writeFileSync(
    join(dir, 'S.template.json'),
    JSON.stringify({
      Resources: {
        Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { TableName: 'leads' } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
      },
    }),
  );
  const template = new Template(dir, 'S');

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub to the names and ARNs AWS gives', () => {
    expect(template.resolve({ Ref: 'Table' })).toBe('leads');
    expect(template.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/leads',
    );
    expect(template.resolve({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/index/rank']] })).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/leads/index/rank',
    );
    expect(template.resolve({ Ref: 'Topic' })).toBe('arn:aws:sns:eu-west-1:123456789012:alerts');
    expect(template.resolve({ Ref: 'Queue' })).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/dlq');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
    const sub = 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:x';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
    const attribute = '${Queue.Arn}';
    expect(template.resolve({ 'Fn::Sub': sub })).toBe('arn:aws:sqs:eu-west-1:123456789012:x');
    expect(template.resolve({ 'Fn::Sub': attribute })).toBe('arn:aws:sqs:eu-west-1:123456789012:dlq');
  });

  it('refuses a reference to a resource the template lacks', () => {
    expect(() => template.resolve({ Ref: 'Nothing' })).toThrow('no resource Nothing');
  });
});

describe('DynamoDB calls as IAM sees them', () => {
  it('a query of an index is an action on the index ARN', () => {
    expect(dynamoDbCalls('Query', { TableName: 'leads', IndexName: 'rank' })).toEqual([
      {
        action: 'dynamodb:Query',
        resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/leads/index/rank',
      },
    ]);
  });

  it('a batch is one action per table it names', () => {
    expect(dynamoDbCalls('BatchWriteItem', { RequestItems: { a: [], b: [] } })).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/a' },
      { action: 'dynamodb:BatchWriteItem', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/b' },
    ]);
  });

  it('a transaction needs the item action of each part', () => {
    expect(
      dynamoDbCalls('TransactWriteItems', {
        TransactItems: [{ Put: { TableName: 'a' } }, { ConditionCheck: { TableName: 'b' } }],
      }).map((c) => c.action),
    ).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
  });
});

describe('a role’s grants, sorted by the IAM check', () => {
  const arn = (rest: string) => `arn:aws:${rest.replace(':', ':eu-west-1:123456789012:')}`;
  const table = arn('dynamodb:table/leads');
  const stream = `${table}/stream/2026-01-01T00:00:00.000`;
  const queue = arn('sqs:fn-failures');
  const logs = arn('logs:log-group:/aws/lambda/fn:*');
  const allow = (Action: string[], Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
  writeFileSync(
    join(dir, 'G.template.json'),
    JSON.stringify({
      Resources: {
        Leads: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'leads' } },
        Failures: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fn-failures' } },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/fn' } },
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'fn' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.fn' },
          Properties: {
            FunctionName: 'fn',
            Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
            LoggingConfig: { LogGroup: { Ref: 'Logs' } },
          },
        },
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'fn-policy',
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                allow(['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': ['Logs', 'Arn'] }),
                allow(['dynamodb:PutItem', 'dynamodb:Query'], { 'Fn::GetAtt': ['Leads', 'Arn'] }),
                allow(
                  [
                    'dynamodb:DescribeStream',
                    'dynamodb:GetRecords',
                    'dynamodb:GetShardIterator',
                    'dynamodb:ListStreams',
                  ],
                  { 'Fn::GetAtt': ['Leads', 'StreamArn'] },
                ),
                allow(['sqs:SendMessage', 'sqs:GetQueueUrl'], { 'Fn::GetAtt': ['Failures', 'Arn'] }),
              ],
            },
          },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { Ref: 'Fn' },
            EventSourceArn: { 'Fn::GetAtt': ['Leads', 'StreamArn'] },
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
          },
        },
      },
    }),
  );
  const template = new Template(dir, 'G');

  it('the code’s calls used some; Lambda uses the logs, the stream and the on-failure queue; the rest are unexercised', async () => {
    const report = await checkPermissions(template, [
      { caller: 'fn', action: 'dynamodb:PutItem', resource: table, by: 'sdk' },
      { caller: 'fn', action: 'dynamodb:GetRecords', resource: stream, by: 'lambda' },
    ]);
    expect(report.denied).toEqual([]);
    const grants = report.grants.get('fn')!;
    expect(grants.used).toEqual([{ action: 'dynamodb:PutItem', resource: table }]);
    expect(grants.service.filter((g) => g.seen).map((g) => g.action)).toEqual(['dynamodb:GetRecords']);
    expect(grants.service.map((g) => `${g.action} ${g.resource}`).sort()).toEqual(
      [
        `dynamodb:DescribeStream ${stream}`,
        `dynamodb:GetRecords ${stream}`,
        `dynamodb:GetShardIterator ${stream}`,
        `dynamodb:ListStreams ${stream}`,
        `logs:CreateLogStream ${logs}`,
        `logs:PutLogEvents ${logs}`,
        `sqs:SendMessage ${queue}`,
      ].sort(),
    );
    // Lambda never asks for a queue's URL: a grant of it is the code's, and the code did not use it.
    expect(grants.unexercised).toEqual([
      { action: 'dynamodb:Query', resource: table },
      { action: 'sqs:GetQueueUrl', resource: queue },
    ]);
  });

  it('a call Lambda makes does not exercise a grant of the code', async () => {
    const report = await checkPermissions(template, [
      { caller: 'fn', action: 'dynamodb:Query', resource: table, by: 'lambda' },
    ]);
    expect(report.grants.get('fn')!.unexercised.map((g) => g.action)).toContain('dynamodb:Query');
  });
});

describe('stream records as Lambda delivers them', () => {
  const record = {
    eventID: '1',
    eventName: 'MODIFY',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:dynamodb:ddblocal:000000000000:table/leads/stream/x',
    dynamodb: {
      SequenceNumber: '100',
      NewImage: {
        entity: { S: 'score' },
        state: { B: new Uint8Array([1, 2, 255]) },
        m: { M: { inner: { BS: [new Uint8Array([0])] } } },
      },
    },
  } as unknown as DynamoDBRecord;
  const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/leads/stream/2026-01-01T00:00:00.000';

  it('carries binary attributes as base64 text, with the account’s stream ARN and region', () => {
    const delivered = asLambdaDelivers(record, arn);
    expect(delivered.dynamodb!.NewImage).toEqual({
      entity: { S: 'score' },
      state: { B: 'AQL/' },
      m: { M: { inner: { BS: ['AA=='] } } },
    });
    expect(delivered).toMatchObject({ eventSourceARN: arn, awsRegion: 'eu-west-1' });
  });

  it('leaves base64 text as it is (a record already in Lambda’s form)', () => {
    expect(asLambdaDelivers(asLambdaDelivers(record, arn), arn)).toEqual(asLambdaDelivers(record, arn));
  });

  it('is matched by the mapping’s filter pattern as Lambda matches it', () => {
    const pattern = {
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { entity: { S: ['score', 'erased'] } } },
    };
    expect(matchesPattern(pattern, asLambdaDelivers(record, arn))).toBe(true);
    expect(matchesPattern(pattern, { ...record, eventName: 'REMOVE' })).toBe(false);
    expect(matchesPattern({ dynamodb: { NewImage: { entity: { S: ['profile'] } } } }, record)).toBe(false);
  });
});

describe('the SDK the Lambda runtime provides', () => {
  const packages = sdkPackages(resolve(import.meta.dirname, '../../..'));

  it('is the @aws-sdk packages and what they depend on, nothing a bundle should carry itself', () => {
    expect(packages).toContain('node_modules/@aws-sdk/client-sns');
    expect(packages).toContain('node_modules/@aws-sdk/lib-dynamodb');
    expect(packages.some((p) => p.startsWith('node_modules/@smithy/'))).toBe(true);
    for (const bundled of ['zod', '@middy/core', '@aws-lambda-powertools/batch', 'aws-cdk-lib'])
      expect(packages).not.toContain(`node_modules/${bundled}`);
  });
});
