import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
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
