// nginx/ec_download.js: the check of a signed download URL, in nginx
// itself (njs, Debian's libnginx-mod-http-js), before any byte is served.
// It is lib/ec_urlsign.c's verify, step for step (the canonical string
// and the key file are described in lib/ec_urlsign.h); the integration
// test 89-downloads.sh holds the two to each other.
//
// js_set $ec_dl_verdict ec_dl.verdict gives one of
//   ok           the signature holds and the URL has not expired
//   forbidden    any fault of shape, key or signature (403)
//   expired      a genuine URL past its expiry (410)
//   unavailable  the key file is missing or malformed (503)
//
// The key file ($ec_dl_keys) is read on every download, so rotating keys
// is rewriting that file (atomically, by rename): no reload and no code
// change.  It is a few hundred bytes; the transfer dwarfs the read.
import fs from 'fs';
import crypto from 'crypto';

const PATH_RE = new RegExp('^/downloads/([A-Za-z0-9_][A-Za-z0-9._-]{0,63})/' +
    '(export-run::([A-Za-z0-9_][A-Za-z0-9._-]{0,63})::' +
    '[0-9]{4}-[0-9]{2}-[0-9]{2}::[0-9]{4,10})/' +
    '([0-9a-f]{64})/([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$');
const QUERY_RE = new RegExp('^exp=([1-9][0-9]{0,11})&' +
    'kid=([A-Za-z0-9_-]{1,32})&sig=([A-Za-z0-9_-]{43})$');
const KEY_RE = new RegExp('^(current|previous) ([A-Za-z0-9_-]{1,32}) ' +
    '([A-Za-z0-9_-]{43,86})$');
const FILE_MAX = 4096;
const URL_MAX = 640;

// The key file's kids and secrets, or null: any line outside the format
// fails closed, as ec_urlsign_parse() refuses it.
function keys(path) {
	let text, lines, k = {}, seen = {};

	try {
		text = fs.readFileSync(path).toString();
	} catch (e) {
		return null;
	}
	if (text.length > FILE_MAX || text.indexOf('\0') >= 0)
		return null;
	lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		let l = lines[i], m;

		if (l.length == 0 || l[0] == '#')
			continue;
		m = KEY_RE.exec(l);
		if (m == null || seen[m[1]] || k[m[2]] !== undefined)
			return null;
		seen[m[1]] = true;
		k[m[2]] = Buffer.from(m[3], 'base64url');
		if (k[m[2]].length < 32 || k[m[2]].length > 64)
			return null;
	}
	return seen.current ? k : null;
}

// Constant time in the length of the expected value.
function equal(a, b) {
	let d = a.length ^ b.length;

	for (let i = 0; i < a.length; i++)
		d |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1));
	return d == 0;
}

function verdict(r) {
	let raw = r.variables.request_uri, q, path, p, m, k, mac, exp;

	if (r.method != 'GET' && r.method != 'HEAD')
		return 'forbidden';
	if (raw.length >= URL_MAX || (q = raw.indexOf('?')) < 0)
		return 'forbidden';
	path = raw.slice(0, q);
	// The path as sent is the path nginx maps to a file: no escape,
	// double slash or dot segment survives this with the same bytes.
	if (path !== r.uri)
		return 'forbidden';
	p = PATH_RE.exec(path);
	m = QUERY_RE.exec(raw.slice(q + 1));
	if (p == null || m == null || p[1] !== p[3])
		return 'forbidden';
	if ((k = keys(r.variables.ec_dl_keys)) == null)
		return 'unavailable';
	if (k[m[2]] === undefined)
		return 'forbidden';
	mac = crypto.createHmac('sha256', k[m[2]]).update(
	    'EC-DOWNLOAD-1\nGET\n' + path + '\n' + p[1] + '\n' + m[1] + '\n' +
	    m[2]).digest('base64url');
	if (!equal(mac, m[3]))
		return 'forbidden';
	exp = Number(m[1]);
	if (exp < Math.floor(Date.now() / 1000))
		return 'expired';
	return 'ok';
}

export default { verdict };
