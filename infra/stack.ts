import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACTIVITIES_TABLE, LEADS_TABLE } from '../shared/store/tables.ts';
import { tableFrom } from './tables.ts';

export interface LeadscoreStackProps extends StackProps {
  stage: string;
}

/** The whole system in one stack. Grows handler by handler; see docs/data-model.md for the tables. */
export class LeadscoreStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadscoreStackProps) {
    super(scope, id, props);
    const removalPolicy = props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    tableFrom(this, ACTIVITIES_TABLE, removalPolicy);
    tableFrom(this, LEADS_TABLE, removalPolicy);
  }
}
