import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LeadscoreStack } from '../../infra/stack.ts';
import { TABLES } from '../../shared/store/tables.ts';

const template = Template.fromStack(new LeadscoreStack(new App(), 'Test', { stage: 'test' }));

describe('tables', () => {
  it.each(TABLES)(
    '$id is built from its shared definition: keys, stream, TTL, on demand, PITR, encrypted',
    (table) => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: table.stream },
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true },
        Replicas: [expectPitr()],
      });
    },
  );

  it('has exactly the shared tables', () => {
    expect(Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))).toHaveLength(TABLES.length);
  });
});

function expectPitr() {
  return {
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    Region: { Ref: 'AWS::Region' },
  };
}
