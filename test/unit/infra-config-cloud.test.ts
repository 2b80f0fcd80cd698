// The cloud first-deploy keys of the stack config: cluster access (EKS access entries, AKS role
// assignments, private endpoint reach), the kcp DNS zone and the Pipelines as Code Ingress. Each bad
// value is named with its key and what is allowed.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ConfigError, parseRegionConfig } from "../../infra/config";

const STACKS = path.join(__dirname, "../../stacks");

function stackConfig(file: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(STACKS, file), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("pipeline-service:"))
      .map(([k, v]) => [k.slice("pipeline-service:".length), v]),
  );
}
type Raw = Record<string, Record<string, unknown>>;
const aws = () => structuredClone(stackConfig("Pulumi.aws-us-east-1.yaml")) as Raw;
const awsRegion = () => structuredClone(stackConfig("Pulumi.aws-eu-west-1.yaml")) as Raw;
const azure = () => structuredClone(stackConfig("Pulumi.azure-westeurope.yaml")) as Raw;

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseRegionConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  return [];
}

void describe("cloud first-deploy config keys", () => {
  void it("defaults: no extra principals, no private reach, API authentication, the PaC TLS Secret name", () => {
    const raw = aws();
    delete raw.cluster.adminPrincipalArns;
    delete raw.cluster.ciPrincipalArns;
    delete raw.cluster.privateAccessCidrs;
    delete raw.tekton;
    const c = parseRegionConfig(raw);
    assert.ok(c.cluster.kind === "eks");
    assert.deepEqual(
      [c.cluster.adminPrincipalArns, c.cluster.ciPrincipalArns, c.cluster.privateAccessCidrs],
      [[], [], []],
    );
    assert.equal(c.cluster.authenticationMode, "API");
    assert.equal(c.tekton.pipelinesAsCode.tlsSecretName, "pipelines-as-code-tls");
    assert.equal(c.tekton.pipelinesAsCode.ingressClassName, undefined);
    const z = parseRegionConfig(azure());
    assert.ok(z.cluster.kind === "aks");
    assert.deepEqual(z.cluster.ciPrincipals, [
      { objectId: "00000000-0000-4000-8000-000000000002", type: "ServicePrincipal" },
    ]);
  });

  void it("EKS: principals must be IAM role/user ARNs; the private allow-list is not 0.0.0.0/0", () => {
    const raw = aws();
    raw.cluster.adminPrincipalArns = ["arn:aws:sts::123456789012:assumed-role/admins/me"];
    raw.cluster.privateAccessCidrs = ["0.0.0.0/0"];
    raw.cluster.authenticationMode = "CONFIG_MAP";
    assert.deepEqual(problems(raw), [
      'pipeline-service:cluster.adminPrincipalArns[0] = "arn:aws:sts::123456789012:assumed-role/admins/me": expected an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci',
      'pipeline-service:cluster.authenticationMode = "CONFIG_MAP": expected one of "API" | "API_AND_CONFIG_MAP"',
    ]);
    const open = aws();
    open.cluster.privateAccessCidrs = ["0.0.0.0/0"];
    assert.deepEqual(problems(open), [
      'pipeline-service:cluster.privateAccessCidrs = ["0.0.0.0/0"]: expected networks that reach the private endpoint, without 0.0.0.0/0',
    ]);
  });

  void it("AKS: principals are object ids of a known type", () => {
    const raw = azure();
    raw.cluster.adminPrincipals = [{ objectId: "not-a-uuid", type: "Robot" }];
    assert.deepEqual(problems(raw), [
      'pipeline-service:cluster.adminPrincipals[0].objectId = "not-a-uuid": expected an Entra ID object id (UUID)',
      'pipeline-service:cluster.adminPrincipals[0].type = "Robot": expected one of "User" | "Group" | "ServicePrincipal"',
    ]);
  });

  void it("kcp.dnsZone: a zone above externalUrl's host, with the id its cloud needs, home only", () => {
    const apex = aws();
    apex.kcp.dnsZone = { name: "kcp.pipelines.example.com", route53ZoneId: "Z1" };
    assert.deepEqual(problems(apex), [
      'pipeline-service:kcp.dnsZone.name = "kcp.pipelines.example.com": expected a zone that kcp.externalUrl\'s host "kcp.pipelines.example.com" is a name below (not the apex)',
    ]);
    const wrongCloud = aws();
    wrongCloud.kcp.dnsZone = { name: "pipelines.example.com", azureResourceGroup: "dns" };
    assert.deepEqual(problems(wrongCloud), [
      "pipeline-service:kcp.dnsZone.route53ZoneId = (not set): expected the zone's route53ZoneId on eks",
      'pipeline-service:kcp.dnsZone.azureResourceGroup = "dns": expected no azureResourceGroup on eks',
    ]);
    const notHome = awsRegion();
    notHome.kcp.dnsZone = { name: "example.com", route53ZoneId: "Z1" };
    assert.deepEqual(problems(notHome), [
      'pipeline-service:kcp.dnsZone = {"name":"example.com","route53ZoneId":"Z1"}: expected no dnsZone unless home is true',
    ]);
  });

  void it("pipelinesAsCode: ingressClassName and tlsSecretName are Kubernetes names", () => {
    const raw = aws();
    (raw.tekton.pipelinesAsCode as Record<string, unknown>).ingressClassName = "Bad Class";
    (raw.tekton.pipelinesAsCode as Record<string, unknown>).tlsSecretName = "";
    const p = problems(raw);
    assert.equal(p.length, 2, p.join("\n"));
    assert.match(
      p[0],
      /^pipeline-service:tekton\.pipelinesAsCode\.ingressClassName = "Bad Class": expected an IngressClass name/,
    );
    assert.match(
      p[1],
      /^pipeline-service:tekton\.pipelinesAsCode\.tlsSecretName = "": expected a Secret name/,
    );
  });
});
