// Validates Kubernetes objects offline against the OpenAPI schemas of a current Kubernetes release, as packaged by
// kubernetes-models (and @kubernetes-models/prometheus-operator for the PodMonitor CRD).
//   kubectl kustomize deploy/kubernetes | node validate.mjs [FILE...]     (stdin when no file is named)
// Prints one line per object ("ok KIND NAMESPACE/NAME" or "invalid KIND NAMESPACE/NAME: why") and exits 1 when any
// object is invalid or of a kind without a schema. (The packaged validators check types, formats, enums and required
// fields, not unknown ones: the test checks the fields this project relies on by name.)
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const texts = process.argv.length > 2 ? process.argv.slice(2).map((f) => readFileSync(f, "utf8")) : [readFileSync(0, "utf8")];
const docs = texts.flatMap((t) => yaml.loadAll(t)).filter((d) => d != null);

// The package of an apiVersion: core ("v1"), built-in groups, or the Prometheus Operator's CRDs.
function modulePath(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

let failed = 0;
for (const doc of docs) {
  const kind = doc.kind ?? "?";
  const name = `${doc.metadata?.namespace ?? "-"}/${doc.metadata?.name ?? "?"}`;
  let model;
  try {
    const mod = await import(modulePath(doc.apiVersion ?? ""));
    model = mod[kind];
  } catch {
    model = undefined;
  }
  if (!model) {
    console.log(`invalid ${kind} ${name}: no schema for ${doc.apiVersion}/${kind}`);
    failed++;
    continue;
  }
  const errors = [];
  try {
    new model(doc).validate();
  } catch (e) {
    errors.push(e.message);
  }
  if (errors.length) {
    console.log(`invalid ${kind} ${name}: ${errors.join("; ")}`);
    failed++;
  } else {
    console.log(`ok ${kind} ${name}`);
  }
}
console.log(`${docs.length} objects, ${failed} invalid`);
process.exit(failed ? 1 : docs.length ? 0 : 1);
