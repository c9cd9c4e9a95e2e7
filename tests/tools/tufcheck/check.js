// Offline TUF client check with the stock tuf-js client (pinned in
// package.json): bootstrap from a trusted root.json, refresh the
// metadata from a static web server, and download every target named
// on the command line, which tuf-js checks against its length and
// sha256.  Prints one line per target; exits 1 with the client's error
// on any failure.
//
//   node check.js BASE_URL TRUSTED_ROOT WORKDIR TARGET...
//
// BASE_URL serves metadata/ and targets/ (exportctl tuf write's layout).
'use strict';
const fs = require('fs');
const path = require('path');
const { Updater } = require('tuf-js');

async function main() {
	const [base, root, work, ...targets] = process.argv.slice(2);
	if (!base || !root || !work || targets.length === 0) {
		throw new Error('usage: check.js BASE_URL TRUSTED_ROOT WORKDIR TARGET...');
	}
	const metadataDir = path.join(work, 'metadata');
	const targetDir = path.join(work, 'targets');
	fs.mkdirSync(metadataDir, { recursive: true });
	fs.mkdirSync(targetDir, { recursive: true });
	fs.copyFileSync(root, path.join(metadataDir, 'root.json'));
	const updater = new Updater({
		metadataBaseUrl: base + '/metadata',
		targetBaseUrl: base + '/targets',
		metadataDir,
		targetDir,
	});
	await updater.refresh();
	for (const name of targets) {
		const info = await updater.getTargetInfo(name);
		if (!info) {
			throw new Error('target ' + name + ' not in targets metadata');
		}
		// A target path may name directories (a mirror's oci/...).
		fs.mkdirSync(path.dirname(path.join(targetDir, name)),
		    { recursive: true });
		const file = await updater.downloadTarget(info,
		    path.join(targetDir, name));
		console.log('ok ' + name + ' ' + info.length + ' ' + file);
	}
}

main().catch((e) => {
	console.error('tuf-js: ' + (e && e.constructor ? e.constructor.name : '') +
	    ': ' + (e && e.message ? e.message : e));
	process.exit(1);
});
