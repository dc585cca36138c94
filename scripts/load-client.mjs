// The load generator of scripts/load-test.ts, in its own process: `clients` loops, each sending
// GET /predict?ids=… over a keep-alive connection and waiting for the answer, until `seconds` pass.
// Prints one JSON line: requests, errors, latency percentiles (ms).
import http from 'node:http';

const [port, clients, seconds] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
let errors = 0;
const firstErrors = [];
const deadline = performance.now() + seconds * 1000;

function once(i) {
  return new Promise((resolve) => {
    const ids = Array.from({ length: 4 + (i % 12) }, (_, t) => 1 + ((i * 7 + t * 3) % 99)).join(',');
    const start = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: `/predict?ids=${ids}`, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        latencies.push(performance.now() - start);
        if (res.statusCode !== 200 || !body.includes('probabilities')) {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(`${res.statusCode} ${body.slice(0, 200)}`);
        }
        resolve();
      });
    });
    req.on('error', (e) => {
      errors++;
      if (firstErrors.length < 3) firstErrors.push(e.message);
      resolve();
    });
  });
}

async function loop(c) {
  for (let i = c; performance.now() < deadline; i += clients) await once(i);
}

await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(JSON.stringify({ requests: latencies.length, errors, firstErrors, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? NaN }));
