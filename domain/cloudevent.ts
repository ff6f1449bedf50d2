// The public shape of an event: CloudEvents 1.0 JSON with our extensions (DESIGN §5).
import type { StoredEvent } from './events';
import { nounByName } from './nouns';

export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  readonly datacontenttype: 'application/json';
  readonly data: Readonly<Record<string, unknown>>;
  readonly seq: number;
  readonly entityversion: number;
  readonly actor: string;
  readonly causationid?: string;
  readonly correlationid?: string;
  readonly datahash: string;
  readonly prevhash: string;
  readonly hash: string;
}

export function toCloudEvent(tenant: string, event: StoredEvent): CloudEvent {
  const collection = nounByName.get(event.entityType)?.collection ?? event.entityType.toLowerCase();
  return {
    specversion: '1.0',
    id: event.id,
    source: `/~${tenant}/${collection}/${event.entityId}`,
    type: event.type,
    time: event.time,
    subject: event.entityId,
    datacontenttype: 'application/json',
    data: event.data,
    seq: event.seq,
    entityversion: event.entityVersion,
    actor: event.actor,
    ...(event.causationId ? { causationid: event.causationId } : {}),
    ...(event.correlationId ? { correlationid: event.correlationId } : {}),
    datahash: event.dataHash,
    prevhash: event.prevHash,
    hash: event.hash,
  };
}
