import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackConfig } from './config.ts';
import { acknowledgeReviewedFindings } from './nag.ts';
import { LeadscoreStack } from './stack.ts';

const app = new App();
const config = stackConfig((key) => app.node.tryGetContext(key));
const stack = new LeadscoreStack(app, `Leadscore-${config.stage}`, {
  config,
  description: `Leadscore lead scoring (${config.stage})`,
});
// cdk-nag's AWS Solutions pack checks every synth; a finding not acknowledged in infra/nag.ts fails it.
acknowledgeReviewedFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
