import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A synthesised CloudFormation template, read as CloudFormation would deploy it into one fake account: every
 * intrinsic (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, pseudo-parameters) resolved to the names
 * and ARNs AWS would give the resources, so environments, policies and event sources read as they do in AWS.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';
/** A stream label of the shape DynamoDB gives (the time the stream was enabled). */
export const STREAM_LABEL = '2026-01-01T00:00:00.000';

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** One AWS::Lambda::Function, as `cdk deploy` would create it. */
export interface FunctionResource {
  logicalId: string;
  name: string;
  arn: string;
  /** The bundle's folder in the cloud assembly: the files `cdk deploy` zips and uploads. */
  assetDir: string;
  handler: string;
  runtime: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  logGroupName: string;
  logGroupArn: string;
  roleArn: string;
  /** The inline policies of its role. */
  policies: { name: string; document: PolicyDocument }[];
}

export interface StreamMapping {
  functionName: string;
  streamArn: string;
  tableName: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectBatchOnError: boolean;
  reportBatchItemFailures: boolean;
  filterPatterns: unknown[];
  onFailureArn: string | undefined;
}

export class Template {
  readonly resources: Record<string, Resource>;
  readonly assemblyDir: string;

  constructor(assemblyDir: string, stackName: string) {
    this.assemblyDir = assemblyDir;
    const parsed = JSON.parse(readFileSync(join(assemblyDir, `${stackName}.template.json`), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    this.resources = parsed.Resources;
  }

  ofType(type: string): [string, Resource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** A value of the template with every intrinsic function replaced by what CloudFormation would put there. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : (arg as string).split('.');
          return this.getAtt(id as string, attribute as string);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [
            string,
            Record<string, unknown>,
          ];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in variables) return String(this.resolve(variables[name]));
            if (name.includes('.') && !name.startsWith('AWS::')) {
              const [id, ...attribute] = name.split('.');
              return String(this.getAtt(id!, attribute.join('.')));
            }
            return String(this.ref(name));
          });
        }
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** What `Ref` returns for each resource type this stack uses (CloudFormation's documented return values). */
  ref(id: string): string {
    switch (id) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'stack';
    }
    const resource = this.resource(id);
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret':
        return this.secretArn(id);
      case 'AWS::SNS::Topic':
        return arn('sns', `${this.nameOf(id)}`);
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.nameOf(id)}`;
      case 'AWS::KMS::Key':
        return this.keyId(id);
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
      case 'AWS::Lambda::Function':
      case 'AWS::Logs::LogGroup':
      case 'AWS::IAM::Role':
      case 'AWS::Events::EventBus':
        return this.nameOf(id);
      default:
        return (p.Name as string | undefined) ?? fakeId(id);
    }
  }

  getAtt(id: string, attribute: string): string {
    const resource = this.resource(id);
    const name = this.nameOf(id);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::DynamoDB::GlobalTable.Arn':
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
      case 'AWS::DynamoDB::Table.StreamArn':
        return arn('dynamodb', `table/${name}/stream/${STREAM_LABEL}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name}`);
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::IAM::Role.Arn':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SNS::Topic.TopicArn':
        return arn('sns', name);
      case 'AWS::SNS::Topic.TopicName':
        return name;
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${this.keyId(id)}`);
      case 'AWS::KMS::Key.KeyId':
        return this.keyId(id);
      case 'AWS::Events::EventBus.Arn':
        return arn('events', `event-bus/${name}`);
      case 'AWS::Events::EventBus.Name':
        return name;
      case 'AWS::SecretsManager::Secret.Id':
        return this.secretArn(id);
      default:
        return `${fakeId(id)}-${attribute}`;
    }
  }

  functions(): FunctionResource[] {
    return this.ofType('AWS::Lambda::Function').map(([logicalId, r]) => {
      const p = r.Properties!;
      const roleId = ((p.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] ?? [])[0]!;
      const logGroupId = (p.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup?.Ref;
      const name = this.nameOf(logicalId);
      return {
        logicalId,
        name,
        arn: arn('lambda', `function:${name}`),
        assetDir: join(this.assemblyDir, r.Metadata!['aws:asset:path'] as string),
        handler: p.Handler as string,
        runtime: p.Runtime as string,
        environment: this.resolve(
          (p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
        ) as Record<string, string>,
        timeoutSeconds: (p.Timeout as number | undefined) ?? 3,
        memoryMb: (p.MemorySize as number | undefined) ?? 128,
        logGroupName: logGroupId ? this.nameOf(logGroupId) : `/aws/lambda/${name}`,
        logGroupArn: logGroupId
          ? this.getAtt(logGroupId, 'Arn')
          : arn('logs', `log-group:/aws/lambda/${name}:*`),
        roleArn: this.getAtt(roleId, 'Arn'),
        policies: this.ofType('AWS::IAM::Policy')
          .filter(([, policy]) =>
            ((policy.Properties!.Roles as { Ref: string }[]) ?? []).some((role) => role.Ref === roleId),
          )
          .map(([, policy]) => ({
            name: policy.Properties!.PolicyName as string,
            document: this.resolve(policy.Properties!.PolicyDocument) as PolicyDocument,
          })),
      };
    });
  }

  streamMappings(): StreamMapping[] {
    return this.ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => {
      const p = this.resolve(r.Properties) as Record<string, unknown>;
      const streamArn = p.EventSourceArn as string;
      return {
        functionName: p.FunctionName as string,
        streamArn,
        tableName: streamArn.split('/')[1]!,
        batchSize: (p.BatchSize as number | undefined) ?? 100,
        maxBatchingWindowSeconds: (p.MaximumBatchingWindowInSeconds as number | undefined) ?? 0,
        retryAttempts: (p.MaximumRetryAttempts as number | undefined) ?? -1,
        maxRecordAgeSeconds: (p.MaximumRecordAgeInSeconds as number | undefined) ?? -1,
        bisectBatchOnError: p.BisectBatchOnFunctionError === true,
        reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
          'ReportBatchItemFailures',
        ),
        filterPatterns: (
          ((p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []) as {
            Pattern: string;
          }[]
        ).map((f) => JSON.parse(f.Pattern)),
        onFailureArn: (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure
          ?.Destination,
      };
    });
  }

  /** Where Lambda sends the record of a function's failed asynchronous invocation (its EventInvokeConfig). */
  asyncFailureDestinations(): { functionName: string; destination: string }[] {
    return this.ofType('AWS::Lambda::EventInvokeConfig').flatMap(([, r]) => {
      const p = this.resolve(r.Properties) as {
        FunctionName: string;
        DestinationConfig?: { OnFailure?: { Destination?: string } };
      };
      const destination = p.DestinationConfig?.OnFailure?.Destination;
      return destination ? [{ functionName: p.FunctionName, destination }] : [];
    });
  }

  /** The physical name CloudFormation gives a resource: the one its properties name, else one made up. */
  nameOf(id: string): string {
    const p = this.resource(id).Properties ?? {};
    for (const key of [
      'TableName',
      'FunctionName',
      'TopicName',
      'QueueName',
      'LogGroupName',
      'RoleName',
      'Name',
    ]) {
      if (typeof p[key] === 'string') return p[key] as string;
    }
    return fakeId(id);
  }

  /** The resource policies attached to a resource (topic and queue policies, a key's own policy), by its ARN. */
  resourcePolicyOf(resourceArn: string): PolicyDocument | undefined {
    for (const [id, r] of Object.entries(this.resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::KMS::Key' && this.getAtt(id, 'Arn') === resourceArn)
        return this.resolve(p.KeyPolicy) as PolicyDocument;
      if (r.Type === 'AWS::SNS::TopicPolicy' && (this.resolve(p.Topics) as string[]).includes(resourceArn))
        return this.resolve(p.PolicyDocument) as PolicyDocument;
      if (r.Type === 'AWS::SQS::QueuePolicy') {
        const urls = this.resolve(p.Queues) as string[];
        const name = resourceArn.split(':').pop();
        if (urls.some((u) => u.endsWith(`/${name}`))) return this.resolve(p.PolicyDocument) as PolicyDocument;
      }
    }
    return undefined;
  }

  /** The customer-managed key a resource is encrypted with, by the resource's ARN (none: AWS-owned or managed). */
  keyOf(resourceArn: string): string | undefined {
    for (const [id, r] of Object.entries(this.resources)) {
      const p = r.Properties ?? {};
      const key =
        r.Type === 'AWS::SNS::Topic'
          ? p.KmsMasterKeyId
          : r.Type === 'AWS::SecretsManager::Secret'
            ? p.KmsKeyId
            : undefined;
      if (key === undefined) continue;
      const own = r.Type === 'AWS::SNS::Topic' ? this.getAtt(id, 'TopicArn') : this.secretArn(id);
      if (own !== resourceArn) continue;
      const resolved = String(this.resolve(key));
      return resolved.startsWith('arn:') ? resolved : arn('kms', `key/${resolved}`);
    }
    return undefined;
  }

  private resource(id: string): Resource {
    const resource = this.resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    return resource;
  }

  /** Secrets Manager appends six random characters to a secret's name in its ARN. */
  private secretArn(id: string): string {
    return arn('secretsmanager', `secret:${this.nameOf(id)}-${fakeId(id).slice(0, 6)}`);
  }

  private keyId(id: string): string {
    const h = createHash('sha256').update(id).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
}

export function arn(service: string, resource: string): string {
  return `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
}

function fakeId(id: string): string {
  return createHash('sha256').update(id).digest('base64url').replace(/[-_]/g, 'x').slice(0, 12);
}
