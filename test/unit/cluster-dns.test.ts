// DnsRecord under mocks: kcp.externalUrl's record in Route 53 (CNAME to the LB hostname) or Azure DNS
// (A record to the LB IP), and the pure name/target checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";
import { checkTarget, DnsRecord, relativeRecordName } from "../../components/cluster/dns";
import { settle, setupMocks } from "../helpers/mocks";

const { resources } = setupMocks();

void describe("relativeRecordName / checkTarget (pure)", () => {
  void it("gives the name below the zone, and refuses the apex or another zone", () => {
    assert.equal(relativeRecordName("kcp.pipelines.example.com", "pipelines.example.com"), "kcp");
    assert.equal(relativeRecordName("a.b.example.com.", "example.com"), "a.b");
    assert.throws(() => relativeRecordName("example.com", "example.com"), /not a name below/);
    assert.throws(() => relativeRecordName("kcp.example.org", "example.com"), /not a name below/);
    assert.throws(() => relativeRecordName("kcpexample.com", "example.com"), /not a name below/);
    assert.throws(() => relativeRecordName("bad_host.example.com", "example.com"), /not a DNS name/);
  });

  void it("wants a hostname for Route 53 and an IPv4 for Azure", () => {
    const elb = "a1b2-123.us-east-1.elb.amazonaws.com";
    assert.equal(checkTarget("route53", elb), elb);
    assert.throws(() => checkTarget("route53", ""), /not a hostname/);
    assert.equal(checkTarget("azure", "20.1.2.3"), "20.1.2.3");
    assert.throws(() => checkTarget("azure", elb), /not an IPv4/);
    assert.throws(() => checkTarget("azure", "300.1.2.3"), /not an IPv4/);
  });
});

void describe("DnsRecord (mocks)", () => {
  void it("Route 53: a CNAME for the host to the load balancer, short TTL, through the given provider", async () => {
    const provider = new aws.Provider("aws", { region: "us-east-1" });
    new DnsRecord("home-kcp-dns", {
      zone: { kind: "route53", provider, zoneId: "Z0123456789EXAMPLE", zoneName: "pipelines.example.com" },
      host: "kcp.pipelines.example.com",
      target: pulumi.output("a1b2-123.us-east-1.elb.amazonaws.com"),
    });
    await settle();
    const r = resources.find((x) => x.type === "aws:route53/record:Record");
    assert.ok(r);
    assert.deepEqual(
      {
        zoneId: r.inputs.zoneId,
        name: r.inputs.name,
        type: r.inputs.type,
        ttl: r.inputs.ttl,
        records: r.inputs.records,
      },
      {
        zoneId: "Z0123456789EXAMPLE",
        name: "kcp.pipelines.example.com",
        type: "CNAME",
        ttl: 60,
        records: ["a1b2-123.us-east-1.elb.amazonaws.com"],
      },
    );
    assert.match(r.provider ?? "", /::aws::/);
  });

  void it("Azure DNS: an A record relative to the zone, to the load balancer's IP", async () => {
    const provider = new AzureProvider("azure", {});
    new DnsRecord("az-kcp-dns", {
      zone: { kind: "azure", provider, resourceGroupName: "dns-rg", zoneName: "pipelines.example.com" },
      host: "kcp.pipelines.example.com",
      target: "20.1.2.3",
    });
    await settle();
    const r = resources.find((x) => x.type === "azure-native:dns:RecordSet");
    assert.ok(r);
    assert.equal(r.inputs.resourceGroupName, "dns-rg");
    assert.equal(r.inputs.zoneName, "pipelines.example.com");
    assert.equal(r.inputs.relativeRecordSetName, "kcp");
    assert.equal(r.inputs.recordType, "A");
    assert.deepEqual(r.inputs.aRecords, [{ ipv4Address: "20.1.2.3" }]);
  });

  void it("a host outside the zone fails before anything is registered", () => {
    const before = resources.length;
    const provider = new aws.Provider("aws2", { region: "us-east-1" });
    assert.throws(
      () =>
        new DnsRecord("bad", {
          zone: { kind: "route53", provider, zoneId: "Z1", zoneName: "example.com" },
          host: "kcp.example.org",
          target: "x.elb.amazonaws.com",
        }),
      /DnsRecord bad: kcp.example.org is not a name below the zone example.com/,
    );
    assert.equal(resources.filter((r) => r.name.startsWith("bad")).length, 0);
    assert.ok(resources.length >= before);
  });
});
