// A real HTTP proxy (the `proxy` package) in its own process, for tests. Prints `{"listening":port}` once ready,
// then one JSON line per request it was asked to forward: `{"method":"CONNECT","url":"127.0.0.1:4000","auth":true}`.
// PROXY_AUTH=user:password makes it answer 407 to anything without those Basic credentials.
import http from 'node:http';
import { createProxy } from 'proxy';

const expected = process.env.PROXY_AUTH ? `Basic ${Buffer.from(process.env.PROXY_AUTH).toString('base64')}` : undefined;
const server = createProxy(http.createServer());
server.authenticate = (req) => expected === undefined || req.headers['proxy-authorization'] === expected;
const report = (req) => {
  const authorized = expected === undefined || req.headers['proxy-authorization'] === expected;
  process.stdout.write(`${JSON.stringify({ method: req.method, url: req.url, authorized })}\n`);
};
server.on('request', report);
server.on('connect', report);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`));
