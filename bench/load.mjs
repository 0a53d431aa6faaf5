// A closed-loop load generator: `concurrency` clients, each sending its next request when the
// previous one answers, for `seconds`. Prints JSON: requests, failures, rps and latency percentiles.
// Usage: node load.mjs <url> <concurrency> <seconds> [method] [body-json] [header:value ...]
const [url, concurrency = '10', seconds = '5', method = 'GET', body, ...headerArgs] = process.argv.slice(2);
const headers = Object.fromEntries(headerArgs.map((arg) => [arg.slice(0, arg.indexOf(':')), arg.slice(arg.indexOf(':') + 1)]));
if (body) headers['content-type'] = 'application/json';

const latencies = [];
let failures = 0;
const deadline = performance.now() + Number(seconds) * 1000;

async function client() {
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(url, { method, headers, body: body || undefined });
      await response.arrayBuffer();
      if (response.status >= 400) failures += 1;
    } catch {
      failures += 1;
    }
    latencies.push(performance.now() - started);
  }
}

const began = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, client));
const elapsed = (performance.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: latencies.length,
    failures,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  }),
);
