// Verifies the Chains signatures of a TaskRun with the region's public key (the stack output
// chainsPublicKeyPem), independently of Chains:
//   node --import tsx ops/verify-chains.ts --stack local-east --namespace NS --taskrun NAME [--kubeconfig FILE]
// Exit 0 when every signature verifies, 1 when one does not or none is there.
//
// With the in-toto format and the x509 signer, Chains stores a DSSE envelope (JSON {payloadType, payload,
// signatures[{sig}]}), base64-encoded, in the annotation chains.tekton.dev/signature-taskrun-<uid>; the
// signature is over DSSE's pre-authentication encoding of the payload.
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import { parseArgs } from "node:util";

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { sig: string; keyid?: string }[];
}

/** DSSE v1 pre-authentication encoding: "DSSEv1 <len type> <type> <len payload> <payload>". */
export function dssePae(payloadType: string, payload: Uint8Array): Uint8Array {
  const header = Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `);
  return new Uint8Array([...Uint8Array.from(header), ...payload]);
}

/** True when any signature of the envelope in `annotation` (base64 JSON) verifies with `publicKeyPem`. */
export function verifyChainsSignature(annotation: string, publicKeyPem: string): boolean {
  const env = JSON.parse(Buffer.from(annotation, "base64").toString("utf8")) as DsseEnvelope;
  const pae = dssePae(env.payloadType, Uint8Array.from(Buffer.from(env.payload, "base64")));
  return env.signatures.some((s) =>
    crypto.verify("sha256", pae, publicKeyPem, Uint8Array.from(Buffer.from(s.sig, "base64"))),
  );
}

/** The signature annotations of a TaskRun: annotation key → value. */
export function signatureAnnotations(
  annotations: Record<string, string>,
  uid: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).filter(([k]) => k === `chains.tekton.dev/signature-taskrun-${uid}`),
  );
}

function main(): number {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      namespace: { type: "string" },
      taskrun: { type: "string" },
      kubeconfig: { type: "string" },
    },
  });
  if (!values.stack || !values.namespace || !values.taskrun) {
    console.error(
      "usage: ops/verify-chains.ts --stack STACK --namespace NS --taskrun NAME [--kubeconfig FILE]",
    );
    return 2;
  }
  const publicKeyPem = execFileSync(
    "pulumi",
    ["stack", "output", "chainsPublicKeyPem", "--stack", values.stack],
    {
      encoding: "utf8",
    },
  );
  const tr = JSON.parse(
    execFileSync(
      "kubectl",
      [
        ...(values.kubeconfig ? ["--kubeconfig", values.kubeconfig] : []),
        "get",
        "taskrun",
        values.taskrun,
        "-n",
        values.namespace,
        "-o",
        "json",
      ],
      { encoding: "utf8" },
    ),
  ) as { metadata: { uid: string; annotations?: Record<string, string> } };
  const sigs = signatureAnnotations(tr.metadata.annotations ?? {}, tr.metadata.uid);
  if (Object.keys(sigs).length === 0) {
    console.error(`TaskRun ${values.namespace}/${values.taskrun} carries no Chains signature`);
    return 1;
  }
  let ok = true;
  for (const [key, value] of Object.entries(sigs)) {
    const good = verifyChainsSignature(value, publicKeyPem);
    console.log(`${good ? "verified" : "NOT VERIFIED"}: ${key}`);
    ok &&= good;
  }
  return ok ? 0 : 1;
}

if (require.main === module) process.exit(main());
