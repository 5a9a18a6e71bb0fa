/** What happened to an opportunity, at which date: the unit both tables count. */
export type DealEventKind = 'engaged' | 'won' | 'lost';

/** An opportunity with its sales team and product looked up. */
export interface Opportunity {
  readonly salesAgent: string;
  readonly manager: string | null;
  readonly regionalOffice: string | null;
  /** The products table's spelling. */
  readonly product: string;
  readonly series: string | null;
  readonly salesPrice: number | null;
  readonly dealStage: string;
  readonly engageDate: number | null;
  readonly closeDate: number | null;
  readonly closeValue: number | null;
}

/** One event of an opportunity; its record's event time is the engage or close date. */
export interface DealEvent {
  readonly kind: DealEventKind;
  readonly opportunity: Opportunity;
}

/**
 * The events an opportunity yields: `engaged` at engage_date whenever present (whatever the stage);
 * `won`/`lost` at close_date when present and the stage is Won or Lost.
 */
export function dealEvents(opportunity: Pick<Opportunity, 'dealStage' | 'engageDate' | 'closeDate'>): { kind: DealEventKind; at: number }[] {
  const events: { kind: DealEventKind; at: number }[] = [];
  if (opportunity.engageDate !== null) events.push({ kind: 'engaged', at: opportunity.engageDate });
  if (opportunity.closeDate !== null) {
    if (opportunity.dealStage === 'Won') events.push({ kind: 'won', at: opportunity.closeDate });
    else if (opportunity.dealStage === 'Lost') events.push({ kind: 'lost', at: opportunity.closeDate });
  }
  return events;
}

/** Product names as matched: without spaces and case (`GTXPro` is `GTX Pro`). */
export function productMatchKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}
