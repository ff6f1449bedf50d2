// The bench's peer: Emmett's PostgreSQL event store with the contacts projection inline, and the contract
// of api.ts on a plain node:http server. Started by scripts/bench.mjs (--peer) with
//   PEER_PG     the connection string of the bench's own PostgreSQL cluster
//   PEER_TOKEN  the bearer token to accept
// Listens on 127.0.0.1 on a free port and prints one JSON line: {port, pid, settings}.
import { rawSql } from '@event-driven-io/dumbo';
import { projections } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { pongoClient } from '@event-driven-io/pongo';
import { createServer } from 'node:http';
import { contactsApi } from './api.ts';
import { contactDetailsProjection, ensureContactsSchema } from './contacts-projection.ts';

const connectionString = process.env['PEER_PG'];
const token = process.env['PEER_TOKEN'];
if (!connectionString || !token) throw new Error('PEER_PG and PEER_TOKEN are required');

const eventStore = getPostgreSQLEventStore(connectionString, {
  projections: projections.inline([contactDetailsProjection]),
  schema: { autoMigration: 'None' },
});
await eventStore.schema.migrate();

// Migrated once here, as the event store is above: no CREATE TABLE IF NOT EXISTS before every read.
const readStore = pongoClient(connectionString, { schema: { autoMigration: 'None' } });
await ensureContactsSchema(readStore.db());
const [settings] = await readStore
  .db()
  .collection('contacts')
  .sql.query<Record<string, string>>(
    // Proof for the bench's report that the peer runs durable: both on, as PostgreSQL's defaults are.
    rawSql(
      "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit," +
        ' version() AS version',
    ),
  );

const server = createServer(contactsApi(eventStore, readStore.db(), token));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid, settings })}\n`);
});

const stop = async () => {
  server.close();
  server.closeAllConnections();
  await Promise.allSettled([eventStore.close(), readStore.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
