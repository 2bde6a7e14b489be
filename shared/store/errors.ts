/**
 * What a write can run into that is the caller's to answer, raised at the adapter boundary (a DynamoDB condition
 * that failed becomes one of these) so handlers never see the SDK's exceptions.
 */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The id, or the lead it resolves to, was erased: nothing may be written for it again (HTTP 410). */
export class LeadErased extends StoreError {
  override name = 'LeadErased';
  readonly id: string;
  constructor(id: string) {
    super(`"${id}" was erased`);
    this.id = id;
  }
}

/** Another identify or merge decided this identity first, or the request contradicts the graph (HTTP 409). */
export class IdentityConflict extends StoreError {
  override name = 'IdentityConflict';
}

/** An outcome id already stands for a different result (HTTP 409). */
export class OutcomeConflict extends StoreError {
  override name = 'OutcomeConflict';
}

/** Nothing is known about this id (HTTP 404). */
export class UnknownLead extends StoreError {
  override name = 'UnknownLead';
  readonly id: string;
  constructor(id: string) {
    super(`no lead "${id}"`);
    this.id = id;
  }
}

/** The lead was merged into another between resolving its id and writing: resolve again and retry. */
export class LeadMoved extends StoreError {
  override name = 'LeadMoved';
  readonly id: string;
  constructor(id: string) {
    super(`lead "${id}" was merged into another lead meanwhile`);
    this.id = id;
  }
}
