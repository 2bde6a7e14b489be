import { IdentityConflict } from '../store/errors.ts';
import type { Subject } from '../store/keys.ts';
import type { LeadDirectory } from '../store/leads.ts';
import type { Ledger } from '../store/ledger.ts';

export interface IdentifyResult {
  /** The live lead the identity now belongs to (the older profile when two known leads merge). */
  leadId: string;
  /** The id that now points at it. */
  aliased: string;
  movedActivities: number;
}

/**
 * An anonymous visitor becomes a known lead: its history moves to the lead and its id keeps resolving there.
 * Two known leads merge the same way; the older profile survives, the newer one's attributes fill its gaps,
 * and the newer id becomes an alias, as does every id that pointed at it. Ids are resolved first, so a request
 * naming a merged-away id acts on the lead it was merged into. Who wins a race is decided by the alias's
 * conditional write (LeadDirectory.claim); a retry after a failure part-way finishes the move, copying nothing
 * twice (ledger and outcomes are idempotent by their ids).
 */
export async function identify(
  directory: LeadDirectory,
  ledger: Ledger,
  models: string[],
  request: { leadId: string; anonymousId?: string | undefined; previousId?: string | undefined },
  nowMs: number,
): Promise<IdentifyResult> {
  const leadId = await directory.resolveLead(request.leadId);
  if (request.anonymousId !== undefined) {
    const from: Subject = { kind: 'anonymous', id: request.anonymousId };
    await directory.claim(from, leadId, nowMs);
    const moved = await ledger.move(from, leadId, nowMs);
    return { leadId, aliased: request.anonymousId, movedActivities: moved };
  }

  const previousId = request.previousId!;
  const other = await directory.resolveLead(previousId);
  if (other === leadId) {
    if (previousId === request.leadId) throw new IdentityConflict('a lead cannot be merged into itself');
    // One lead already (a retry, either way round, or a chain): finish what may have been left part-way for the
    // requested id that was merged away.
    const merged = previousId === leadId ? request.leadId : previousId;
    return { leadId, aliased: merged, movedActivities: await absorb(merged, leadId) };
  }
  const [a, b] = await Promise.all([directory.profile(leadId), directory.profile(other)]);
  // The older profile survives; with no profiles at all, the lead named in the request does.
  const keepRequested = !a || !b ? !(b && !a) : a.createdAt <= b.createdAt;
  const survivor = keepRequested ? leadId : other;
  const loser = keepRequested ? other : leadId;
  await directory.claim({ kind: 'lead', id: loser }, survivor, nowMs, models);
  return { leadId: survivor, aliased: loser, movedActivities: await absorb(loser, survivor) };

  async function absorb(loser: string, survivor: string): Promise<number> {
    await directory.absorb(loser, survivor, models, nowMs);
    const moved = await ledger.move({ kind: 'lead', id: loser }, survivor, nowMs);
    await directory.expireMarkers(loser, models, nowMs);
    return moved;
  }
}
