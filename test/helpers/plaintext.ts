// Finds secret values that reach the engine in plaintext: every registered input with Pulumi secret envelopes
// removed, searched for the known values (raw and base64).
import * as pulumi from "@pulumi/pulumi";
import type { Registered } from "./mocks";

/** Replaces every secret envelope with "[secret]". */
export function redactSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return "[secret]";
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, redactSecrets(x)]));
  }
  return v;
}

/** "type name: value #i" for each known secret found outside an envelope. */
export function findPlaintext(resources: Registered[], secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const r of resources) {
    const json = JSON.stringify(redactSecrets(r.inputs));
    secrets.forEach((s, i) => {
      const forms = [s, Buffer.from(s).toString("base64"), JSON.stringify(s).slice(1, -1)];
      if (forms.some((f) => json.includes(f))) leaks.push(`${r.type} ${r.name}: secret #${i}`);
    });
  }
  return leaks;
}

/** True when some input of `r` holds a secret envelope (so a scan that finds nothing scanned something). */
export function hasSecretEnvelope(r: Registered): boolean {
  return JSON.stringify(redactSecrets(r.inputs)).includes("[secret]");
}
