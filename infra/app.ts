import { App } from 'aws-cdk-lib';
import { z } from 'zod';
import { LeadscoreStack } from './stack.ts';

const app = new App();
const Context = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,20}$/, 'must be lower case letters, digits and -, at most 21 characters')
    .default('dev'),
});
const parsed = Context.safeParse({ stage: app.node.tryGetContext('stage') });
if (!parsed.success) {
  throw new Error(
    `Invalid CDK context: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
const { stage } = parsed.data;
new LeadscoreStack(app, `Leadscore-${stage}`, { stage });
