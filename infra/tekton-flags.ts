// The Tekton Pipelines settings a stack may set, read from the pinned release itself (never a hand-written
// list): the keys of its `feature-flags` ConfigMap with the values each accepts, and the keys of its
// `config-defaults` ConfigMap. The release documents each flag in the comment above it ("Acceptable values are
// "stable", "beta", or "alpha"", "If set to "spire" ..."), and some optional flags only as a commented-out
// line (`# max-result-size: "4096"`): both are read here, so a new release brings its own flags.
import * as fs from "node:fs";
import * as YAML from "yaml";
import {
  defaultMirrorDir,
  LOCK,
  type LockEntry,
  manifestPath,
  verifyManifest,
} from "../components/manifests";

/** What one feature flag accepts. */
export type FlagValues =
  | { kind: "boolean" }
  | { kind: "integer" }
  /** One of `values`. */
  | { kind: "enum"; values: string[] }
  /** A comma-separated combination of `values` (or empty). */
  | { kind: "set"; values: string[] }
  /** Not described by the release: any string. */
  | { kind: "string" };

export interface TektonSettingsCatalog {
  /** The Pipelines release the catalog was read from, e.g. "v1.15.0". */
  version: string;
  featureFlags: Record<string, FlagValues>;
  /** config-defaults keys, each "integer" when the release's example value is a whole number. */
  defaults: Record<string, "integer" | "string">;
}

const COMMENTED_FLAG = /^\s*([a-z][a-z0-9-]*):\s*"([^"]*)"\s*$/;

/** The flag's values from its default and the quoted words of the comment that documents it. */
export function flagValues(defaultValue: string, comment: string): FlagValues {
  if (defaultValue === "true" || defaultValue === "false") return { kind: "boolean" };
  if (/^\d+$/.test(defaultValue)) return { kind: "integer" };
  const quoted = [...comment.matchAll(/"([^"\s]*)"/g)].map((m) => m[1]).filter((v) => v !== "");
  const words = [...new Set([defaultValue, ...quoted].filter((v) => /^[a-z][a-z0-9,-]*$/.test(v)))];
  // "Setting this flag to "pipeline,pipelinerun,taskrun" ...": a combination of the listed words.
  if (words.some((w) => w.includes(","))) {
    const atoms = [...new Set(words.flatMap((w) => w.split(",")))].filter(Boolean).sort();
    return { kind: "set", values: atoms };
  }
  return words.length > 1 ? { kind: "enum", values: words.sort() } : { kind: "string" };
}

function configMapNode(docs: YAML.Document[], name: string): { doc: YAML.Document; data: YAML.YAMLMap } {
  for (const doc of docs) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (o?.kind !== "ConfigMap" || o.metadata?.name !== name) continue;
    const data = doc.get("data", true);
    if (YAML.isMap(data)) return { doc, data };
  }
  throw new Error(`the pinned Tekton Pipelines release has no ConfigMap ${name} with data`);
}

/** Reads the catalog from a Pipelines release.yaml text (pure). */
export function parseTektonSettings(text: string, version: string): TektonSettingsCatalog {
  const docs = YAML.parseAllDocuments(text) as YAML.Document[];
  const flags: Record<string, FlagValues> = {};
  const { data } = configMapNode(docs, "feature-flags");
  data.items.forEach((pair, i) => {
    const key = YAML.isScalar(pair.key) ? String(pair.key.value) : "";
    const value = YAML.isScalar(pair.value) ? String(pair.value.value ?? "") : "";
    const comment = (i === 0 ? data.commentBefore : (pair.key as YAML.Scalar).commentBefore) ?? "";
    // A comment block may hold a commented-out flag (with its own doc above it) before this flag's doc.
    const lines = comment.split("\n");
    let start = 0;
    lines.forEach((line, j) => {
      const m = COMMENTED_FLAG.exec(line);
      if (!m) return;
      flags[m[1]] = flagValues(m[2], lines.slice(start, j).join("\n"));
      start = j + 1;
    });
    if (key) flags[key] = flagValues(value, lines.slice(start).join("\n"));
  });
  const defaults: Record<string, "integer" | "string"> = {};
  const example = configMapNode(docs, "config-defaults").doc.toJS() as { data: Record<string, string> };
  for (const line of (example.data._example ?? "").split("\n")) {
    // Set (`default-timeout-minutes: "60"`), commented out (`# default-pod-template:`) or shown in a comment
    // (`# Example: default-maximum-resolution-timeout: "1m"`) in the example.
    const m = /^(?:#\s*)?(?:Example:\s*)?(default-[a-z-]+):\s*(?:"([^"]*)")?/.exec(line);
    if (m) defaults[m[1]] = m[2] !== undefined && /^\d+$/.test(m[2]) ? "integer" : "string";
  }
  for (const k of Object.keys(example.data)) if (k !== "_example") defaults[k] ??= "string";
  return { version, featureFlags: flags, defaults };
}

/** The lock entry of the Pipelines release.yaml: `version`, else the one the lock pins first. */
export function pipelinesLockEntry(version?: string): LockEntry {
  const entries = LOCK.files.filter((e) => e.component === "tekton-pipeline" && e.file === "release.yaml");
  // Without a version: the newest pinned release (the default of tekton.pipelines.version).
  const newest = () =>
    [...entries].sort((a, b) => b.version.localeCompare(a.version, "en", { numeric: true }))[0];
  const entry = version === undefined ? newest() : entries.find((e) => e.version === version);
  if (!entry)
    throw new Error(
      `no pinned Tekton Pipelines release ${version ?? ""} (pinned: ${entries.map((e) => e.version).join(", ")})`,
    );
  return entry;
}

const cache = new Map<string, TektonSettingsCatalog>();

/** The catalog of the pinned Pipelines release (verified against its sha256; read once per process). */
export function tektonSettingsCatalog(
  version?: string,
  mirrorDir = defaultMirrorDir(),
): TektonSettingsCatalog {
  const entry = pipelinesLockEntry(version);
  const where = manifestPath(entry, mirrorDir);
  let catalog = cache.get(where);
  if (!catalog) {
    const data = fs.readFileSync(where);
    verifyManifest(entry, data, where);
    catalog = parseTektonSettings(data.toString("utf8"), entry.version);
    cache.set(where, catalog);
  }
  return catalog;
}
