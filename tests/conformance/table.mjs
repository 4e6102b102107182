// Writes CONFORMANCE.md from the suite's output for each server: one row per check, one column
// per server, and under the table what each failure said.
//
//   node tests/conformance/table.mjs "Confab 0.1.0=confab.jsonl" "sockudo 5.2.0=sockudo.jsonl" > CONFORMANCE.md

import { readFileSync } from 'node:fs';

const servers = process.argv.slice(2).map((arg) => {
  const at = arg.lastIndexOf('=');
  const name = arg.slice(0, at);
  const results = new Map();
  for (const line of readFileSync(arg.slice(at + 1), 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const result = JSON.parse(line);
    if (result.check) results.set(result.check, result);
  }
  return { name, results };
});

const checks = [];
for (const { results } of servers) {
  for (const [check, { rule }] of results) {
    if (!checks.some((c) => c.check === check)) checks.push({ check, rule });
  }
}

const cell = (result) => (result === undefined ? 'not run' : result.ok ? 'pass' : '**fail**');
const out = [];
out.push('# Pusher protocol conformance');
out.push('');
out.push(
  `Written by \`scripts/conformance-peer.sh\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ` +
    'the suite of `tests/conformance` (raw frames, pusher-js 8.6.0 and the `pusher` 5.3.4 server SDK) ' +
    'against each server in turn, on this machine. The same suite runs against Confab on one node ' +
    '(`tests/realtime/conformance.rs`) and on three nodes (`tests/scaleout/conformance.rs`) in `.ci/run`. ' +
    "A rule follows Pusher's documentation; where a server's answer differs and both refuse, the rule says so.",
);
out.push('');
out.push(`| check | rule | ${servers.map((s) => s.name).join(' | ')} |`);
out.push(`|---|---|${servers.map(() => '---').join('|')}|`);
for (const { check, rule } of checks) {
  out.push(`| ${check} | ${rule} | ${servers.map((s) => cell(s.results.get(check))).join(' | ')} |`);
}
out.push('');
out.push('| | | ' + servers.map((s) => {
  const all = [...s.results.values()];
  return `${all.filter((r) => r.ok).length} of ${all.length}`;
}).join(' | ') + ' |');
out.push('');
const failures = servers.flatMap((s) =>
  [...s.results.values()].filter((r) => !r.ok).map((r) => `- ${s.name}, “${r.check}”: ${r.detail.replace(/\s+/g, ' ').trim()}`),
);
out.push('## Where a server differs');
out.push('');
out.push(failures.length ? failures.join('\n') : 'Nowhere: every server passed every check.');
out.push('');
process.stdout.write(out.join('\n'));
