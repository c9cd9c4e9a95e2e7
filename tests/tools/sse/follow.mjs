// Follow one run's live progress with the stock `eventsource` client
// (pinned in package.json), for tests/integration/88-sse.sh:
//
//   node follow.mjs URL KEYS ISSUER TENANT [LAST_ID] [STOP] [MAX_EVENTS]
//
// Every request, reconnections included, carries a fresh DPoP proof and
// token from tests/tools/dpop.py (the proof's jti is single-use), through
// the client's documented `fetch` option; LAST_ID ("-": none) is sent as
// Last-Event-ID on the first request, after which the client sends its
// own.  Prints one JSON line per event, {id, type, data}, and stops after
// an event of type STOP (default "completed,failed", a comma list) or
// MAX_EVENTS events; an error the client will not retry (a non-200
// answer) prints {error: status} and exits 2.  The CA is given with
// NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EventSource } from 'eventsource'

const [url, keys, issuer, tenant, lastId = '-', stop = 'completed,failed',
  maxEvents = '0'] = process.argv.slice(2)
const dpop = join(dirname(fileURLToPath(import.meta.url)), '..', 'dpop.py')
const stops = new Set(stop.split(','))
const types = ['started', 'progress', 'artifact_ready', 'completed',
  'failed', 'distribution_pushed', 'mirror.bundle.created',
  'mirror.delta.applied', 'mirror.encryption.enabled']
let first = true
let n = 0

function mint () {
  const out = execFileSync('/usr/bin/python3', [dpop, 'mint', keys, issuer,
    'GET', url, tenant], { encoding: 'utf8' }).trim()
  const sp = out.indexOf(' ')
  return { token: out.slice(0, sp), proof: out.slice(sp + 1) }
}

const es = new EventSource(url, {
  fetch: (input, init) => {
    const { token, proof } = mint()
    const headers = { ...init.headers, Authorization: 'DPoP ' + token,
      DPoP: proof, 'X-StellaOps-Tenant': tenant }
    if (first && lastId !== '-') headers['Last-Event-ID'] = lastId
    first = false
    return fetch(input, { ...init, headers })
  }
})

for (const t of types) {
  es.addEventListener(t, (ev) => {
    console.log(JSON.stringify({ id: ev.lastEventId, type: t,
      data: JSON.parse(ev.data) }))
    n++
    if (stops.has(t) || (Number(maxEvents) > 0 && n >= Number(maxEvents))) {
      es.close()
      process.exit(0)
    }
  })
}
es.addEventListener('error', (ev) => {
  if (es.readyState === es.CLOSED) {
    console.log(JSON.stringify({ error: ev.code ?? null,
      message: ev.message ?? '' }))
    process.exit(2)
  }
})
