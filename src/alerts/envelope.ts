// What the transport around an event tells us when the event itself is silent: EventBridge puts
// the account, region, time and a delivery id on every event.

export interface EnvelopeContext {
  eventId?: string;
  accountId?: string;
  region?: string;
  time?: Date;
}
