// How secrets look in the inputs Pulumi mocks record: the engine's wire form, an object tagged with
// the secret signature. unwrap() strips the tags and says whether it met any, so a test can assert
// that a password reached a resource as a secret and compare its value.
import * as pulumi from "@pulumi/pulumi";

function isTagged(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** The value without secret tags, and whether it (or anything inside it) was secret. */
export function unwrap(v: unknown): { value: unknown; secret: boolean } {
  if (isTagged(v)) return { value: unwrap(v.value).value, secret: true };
  if (Array.isArray(v)) {
    const parts = v.map(unwrap);
    return { value: parts.map((p) => p.value), secret: parts.some((p) => p.secret) };
  }
  if (typeof v === "object" && v !== null) {
    let secret = false;
    const value: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = unwrap(x);
      value[k] = p.value;
      secret ||= p.secret;
    }
    return { value, secret };
  }
  return { value: v, secret: false };
}
