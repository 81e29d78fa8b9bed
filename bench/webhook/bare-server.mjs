// The baseline of the webhook benchmark: a bare Fastify HTTPS route on the same certificate that
// parses the JSON body (Fastify's default parser) and answers one fixed AdmissionReview — the
// bytes our webhook answers for the payload (argv[4]), so both write the same response size.
// Prints `{"port":N}` on stdout once listening; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [certFile, keyFile, answerFile] = process.argv.slice(2);
const app = Fastify({ https: { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' }, bodyLimit: 6 * 1024 * 1024, keepAliveTimeout: 65_000 });
const answer = readFileSync(answerFile, 'utf8');
app.post('/inject', async (_req, reply) => reply.type('application/json').send(answer));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
