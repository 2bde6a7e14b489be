import type { ComboRuleT, EventRuleT, InactivityRuleT, Rule } from './schema.ts';

// What kind a validated rule is, apart from the schemas: compiling a model needs these, not zod.

export function isEventRule(rule: Rule): rule is EventRuleT {
  return 'when' in rule;
}
export function isComboRule(rule: Rule): rule is ComboRuleT {
  return 'all' in rule;
}
export function isInactivityRule(rule: Rule): rule is InactivityRuleT {
  return 'inactiveFor' in rule;
}
