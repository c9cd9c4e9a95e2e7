// Validate the OpenAPI 3.1 document with @readme/openapi-parser, then
// hold recorded live responses against the document's schemas with Ajv
// (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
//
//   node check.mjs OPENAPI.json [RECORDS]
//
// RECORDS: lines "METHOD PATH-TEMPLATE STATUS FILE", e.g.
// "get /export-center/runs/{runId} 200 /tmp/run.json".  Exit 0 when the
// document and every response are valid; each failure is printed.
import { readFileSync } from "node:fs";
import { validate, compileErrors } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";

const [docPath, recPath] = process.argv.slice(2);
const text = readFileSync(docPath, "utf8");
const result = await validate(JSON.parse(text));
if (!result.valid) {
	console.log("openapi: invalid document\n" + compileErrors(result));
	process.exit(1);
}
console.log("openapi: document valid (OpenAPI " + JSON.parse(text).openapi + ")");
if (!recPath)
	process.exit(0);

const doc = JSON.parse(text);
const id = "https://export-center.invalid/openapi.json";
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...doc, $id: id });
const ptr = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
let bad = 0, n = 0;
for (const line of readFileSync(recPath, "utf8").split("\n")) {
	if (line.trim() === "")
		continue;
	const [method, path, status, file] = line.split(" ");
	const op = doc.paths?.[path]?.[method];
	const resp = op?.responses?.[status];
	const schema = resp?.content?.["application/json"]?.schema;
	n++;
	if (!schema) {
		console.log(`openapi: ${method} ${path} ${status}: not in the document`);
		bad++;
		continue;
	}
	const ref = `${id}#/paths/${ptr(path)}/${method}/responses/${status}` +
	    "/content/application~1json/schema";
	const check = ajv.getSchema(ref);
	const body = JSON.parse(readFileSync(file, "utf8"));
	if (!check(body)) {
		console.log(`openapi: ${method} ${path} ${status} (${file}): ` +
		    ajv.errorsText(check.errors));
		bad++;
	}
}
console.log(`openapi: ${n - bad} of ${n} responses match their schemas`);
process.exit(bad === 0 ? 0 : 1);
