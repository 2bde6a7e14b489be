/** The detail-types Leadscore's bus rule forwards to the ingest-bus handler (CRM and marketing tools send these). */
export const BUS_DETAIL_TYPES = ['leadscore.activity', 'leadscore.profile', 'leadscore.outcome'] as const;
