// The read model: one Pongo document per contact, written by an inline projection in the transaction that
// appends the event, so a read by id right after the 201 sees it. Its unique index on (tenant, lower(email))
// is what makes an email unique: a second contact with a taken email fails that insert and rolls back the
// whole append, event included.
import { rawSql, sql } from '@event-driven-io/dumbo';
import { pongoSingleStreamProjection } from '@event-driven-io/emmett-postgresql';
import type { PongoDb } from '@event-driven-io/pongo';
import type { ContactEvent, Stage } from './contact.ts';

export type ContactDocument = {
  _id: string;
  tenant: string;
  name: string;
  email: string | null;
  stage: Stage | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export const contactsCollectionName = 'contacts';

const evolve = (document: ContactDocument | null, { type, data }: ContactEvent): ContactDocument | null => {
  switch (type) {
    case 'ContactCreated':
      return {
        _id: data.contactId,
        tenant: data.tenant,
        name: data.name,
        email: data.email,
        stage: data.stage,
        version: 1,
        createdAt: data.createdAt,
        updatedAt: data.createdAt,
      };
    default:
      return document;
  }
};

export const contactDetailsProjection = pongoSingleStreamProjection({
  collectionName: contactsCollectionName,
  getDocumentId: (event) => (event as ContactEvent).data.contactId,
  evolve,
  canHandle: ['ContactCreated'],
});

/** Creates the collection (if new) and its unique index on the tenant and the lower-cased email. */
export const ensureContactsSchema = async (db: PongoDb): Promise<void> => {
  const contacts = db.collection<ContactDocument>(contactsCollectionName);
  await contacts.schema.migrate();
  await contacts.sql.command(
    rawSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS contacts_tenant_email_unique
         ON ${contactsCollectionName} ((data->>'tenant'), lower(data->>'email'))`,
    ),
  );
};

export const getContactById = (db: PongoDb, tenant: string, id: string): Promise<ContactDocument | null> =>
  db.collection<ContactDocument>(contactsCollectionName).findOne({ _id: id, tenant });

/** The id of the tenant's contact holding `email` (any case), through the unique index. */
export const findContactIdByEmail = async (db: PongoDb, tenant: string, email: string): Promise<string | null> => {
  const rows = await db
    .collection<ContactDocument>(contactsCollectionName)
    .sql.query<{ _id: string }>(
      sql(
        `SELECT _id FROM ${contactsCollectionName} WHERE data->>'tenant' = %L AND lower(data->>'email') = lower(%L)`,
        tenant,
        email,
      ),
    );
  return rows[0]?._id ?? null;
};
