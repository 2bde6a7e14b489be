import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../shared/store/tables.ts';

/** A DynamoDB table from its shared definition: on demand, point-in-time recovery, encrypted, streamed if it says. */
export function tableFrom(
  scope: Construct,
  definition: TableDefinition,
  tableName: string,
  removalPolicy: RemovalPolicy,
): TableV2 {
  return new TableV2(scope, `${definition.id[0]!.toUpperCase()}${definition.id.slice(1)}Table`, {
    tableName,
    partitionKey: {
      name: definition.partitionKey.name,
      type: AttributeType[definition.partitionKey.type === 'S' ? 'STRING' : 'NUMBER'],
    },
    sortKey: {
      name: definition.sortKey.name,
      type: AttributeType[definition.sortKey.type === 'S' ? 'STRING' : 'NUMBER'],
    },
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryptionV2.awsManagedKey(),
    ...(definition.stream && { dynamoStream: StreamViewType[definition.stream] }),
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
    globalSecondaryIndexes: definition.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
      sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
      projectionType: ProjectionType[index.projection],
      ...(index.include && { nonKeyAttributes: index.include }),
    })),
    removalPolicy,
  });
}

function attributeType(type: 'S' | 'N'): AttributeType {
  return type === 'S' ? AttributeType.STRING : AttributeType.NUMBER;
}
