import type { Subject } from '../store/keys.ts';
import type { LeadDirectory } from '../store/leads.ts';
import type { Ledger } from '../store/ledger.ts';

export interface IdentifyResult {
  /** The lead the identity now belongs to (the older profile when two known leads merge). */
  leadId: string;
  /** The id that now points at it. */
  aliased: string;
  movedActivities: number;
}

export class IdentityConflict extends Error {
  override name = 'IdentityConflict';
}

/**
 * An anonymous visitor becomes a known lead: its history moves to the lead and its id keeps resolving there.
 * Two known leads merge the same way; the older profile survives, the newer one's attributes fill its gaps,
 * and the newer id becomes an alias.
 */
export async function identify(
  directory: LeadDirectory,
  ledger: Ledger,
  request: { leadId: string; anonymousId?: string | undefined; previousId?: string | undefined },
  nowMs: number,
): Promise<IdentifyResult> {
  if (await directory.isErased(request.leadId))
    throw new IdentityConflict(`lead "${request.leadId}" was erased`);
  if (request.anonymousId !== undefined) {
    const from: Subject = { kind: 'anonymous', id: request.anonymousId };
    const existing = await directory.aliasTarget(from);
    if (existing !== undefined && existing !== request.leadId) {
      throw new IdentityConflict(
        `anonymous id "${request.anonymousId}" already belongs to lead "${existing}"; merge the leads instead`,
      );
    }
    await directory.alias(from, request.leadId, nowMs);
    const moved = await ledger.move(from, request.leadId, nowMs);
    return { leadId: request.leadId, aliased: request.anonymousId, movedActivities: moved };
  }

  const other = request.previousId!;
  if (other === request.leadId) throw new IdentityConflict('a lead cannot be merged into itself');
  const [a, b] = await Promise.all([directory.profile(request.leadId), directory.profile(other)]);
  // The older profile survives; with no profiles at all, the lead named in the request does.
  const keepRequested = !a || !b ? !(b && !a) : a.createdAt <= b.createdAt;
  const survivor = keepRequested ? request.leadId : other;
  const loser = keepRequested ? other : request.leadId;
  const [kept, gone] = keepRequested ? [a, b] : [b, a];
  if (gone) {
    const fill = Object.fromEntries(
      Object.entries(gone.attributes).filter(([k]) => kept?.attributes[k] === undefined),
    );
    if (Object.keys(fill).length > 0) await directory.setAttributes(survivor, fill, nowMs);
    await directory.removeProfile(loser);
  }
  await directory.alias({ kind: 'lead', id: loser }, survivor, nowMs);
  const moved = await ledger.move({ kind: 'lead', id: loser }, survivor, nowMs);
  return { leadId: survivor, aliased: loser, movedActivities: moved };
}
