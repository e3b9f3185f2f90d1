/**
 * The HTTP ceiling: a bare Fastify server answering a constant JSON, run in its own process like
 * the API so both pay the same process and loopback costs. Prints its port on stdout when ready.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const answer = { Registration: '00000000-0000-4000-8000-000000000000', Status: 'Registered' };
app.all('/*', async () => answer);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
