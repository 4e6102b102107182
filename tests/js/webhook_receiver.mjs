// A webhook receiver as an app writes one: Node's http server, and the `pusher` server SDK's
// check of each POST (`pusher.webhook(request).isValid()`: the app key and the HMAC-SHA256
// signature of the raw body). Started by the Rust end-to-end tests (tests/src/webhooks.rs) with
// PORT and the app's credentials; prints one JSON line per request: `{"listening": port}` once,
// then `{"batch": {time_ms, events}}` for each valid POST (answered 200) or `{"refused": why}`
// (answered 401).
import http from 'node:http';
import Pusher from 'pusher';

const pusher = new Pusher({
  appId: process.env.REVERB_APP_ID,
  key: process.env.REVERB_APP_KEY,
  secret: process.env.REVERB_APP_SECRET,
  cluster: 'mt1',
});
const port = Number(process.env.PORT);
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

http
  .createServer((request, response) => {
    let rawBody = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      rawBody += chunk;
    });
    request.on('end', () => {
      const webhook = pusher.webhook({ headers: request.headers, rawBody });
      if (request.method !== 'POST' || !webhook.isValid()) {
        say({ refused: `${request.method} ${request.headers['x-pusher-key']}` });
        response.writeHead(401).end();
        return;
      }
      say({ batch: { time_ms: webhook.getTime().getTime(), events: webhook.getEvents() } });
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  })
  .listen(port, '127.0.0.1', () => say({ listening: port }));
