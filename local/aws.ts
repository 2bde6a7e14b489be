/**
 * The AWS account and region the local runtime plays: ARNs, regions and request contexts in the events it hands
 * to handlers are shaped like a real region's, so nothing a handler reads from them is local-only.
 */
export const LOCAL_AWS = { region: 'us-east-1', accountId: '000000000000' } as const;
