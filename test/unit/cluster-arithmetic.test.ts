// Pure helpers of components/cluster: CIDR carving, zone distribution, kubeconfig rendering. No engine.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { amiTypeFor } from "../../components/cluster/eks";
import { carveAksSubnets, dnsServiceIp } from "../../components/cluster/aks";
import {
  activeCluster,
  azureZoneNumbers,
  carveZoneSubnets,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  parseCidr,
  renderAksKubeconfig,
  renderEksKubeconfig,
  splitAcrossZones,
  splitPoolAcrossZones,
} from "../../components/cluster/workload-cluster";

/** A network address aligned to `prefix`, anywhere in IPv4. */
const alignedCidr = (prefix: number) =>
  fc
    .integer({ min: 0, max: 2 ** prefix - 1 })
    .map((n) => formatCidr({ base: n * 2 ** (32 - prefix), prefix }));

void describe("CIDR parsing", () => {
  void it("round-trips and rejects host bits", () => {
    assert.equal(formatCidr(parseCidr("10.1.0.0/16")), "10.1.0.0/16");
    assert.throws(() => parseCidr("10.0.1.0/16"), /not a network address \(did you mean 10\.0\.0\.0\/16\?\)/);
    assert.throws(() => parseCidr("10.0.0.256/24"), /invalid CIDR/);
    assert.throws(() => parseCidr("10.0.0.0"), /invalid CIDR/);
  });
  void it("overlap and containment agree with address ranges", () => {
    assert.ok(cidrsOverlap(parseCidr("10.0.0.0/16"), parseCidr("10.0.128.0/17")));
    assert.ok(!cidrsOverlap(parseCidr("10.0.0.0/17"), parseCidr("10.0.128.0/17")));
    assert.ok(cidrContains(parseCidr("10.0.0.0/16"), parseCidr("10.0.255.240/28")));
    assert.ok(!cidrContains(parseCidr("10.0.0.0/17"), parseCidr("10.0.0.0/16")));
  });
});

void describe("carveZoneSubnets", () => {
  void it("lays out a /16 over 3 zones as documented", () => {
    assert.deepEqual(carveZoneSubnets("10.0.0.0/16", 3), {
      private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
      public: ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
    });
  });
  void it("keeps the first three zones' subnets when a fourth zone is added", () => {
    const three = carveZoneSubnets("10.0.0.0/16", 3);
    const four = carveZoneSubnets("10.0.0.0/16", 4);
    assert.deepEqual(four.private.slice(0, 3), three.private);
    assert.deepEqual(four.public.slice(0, 3), three.public);
  });
  void it("refuses a VPC too small for /28 public subnets", () => {
    assert.throws(() => carveZoneSubnets("10.0.0.0/24", 3), /too small for 3 zones/);
  });

  void it("never overlaps and always fits in the VPC (3-6 zones, /16-/20)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 20 }).chain((p) => alignedCidr(p)),
        fc.integer({ min: 3, max: 6 }),
        (vpcCidr, zones) => {
          const vpc = parseCidr(vpcCidr);
          const { public: pub, private: priv } = carveZoneSubnets(vpcCidr, zones);
          assert.equal(pub.length, zones);
          assert.equal(priv.length, zones);
          const all = [...priv, ...pub].map(parseCidr);
          for (const s of all) {
            assert.ok(cidrContains(vpc, s), `${formatCidr(s)} outside ${vpcCidr}`);
            assert.ok(s.prefix <= 28, `${formatCidr(s)} smaller than AWS allows`);
          }
          for (let i = 0; i < all.length; i++)
            for (let j = i + 1; j < all.length; j++)
              assert.ok(
                !cidrsOverlap(all[i], all[j]),
                `${formatCidr(all[i])} overlaps ${formatCidr(all[j])}`,
              );
          // Private subnets are the large ones: nodes and VPC-CNI pods live there.
          assert.ok(parseCidr(priv[0]).prefix < parseCidr(pub[0]).prefix);
        },
      ),
      { numRuns: 300 },
    );
  });
});

void describe("AKS network helpers", () => {
  void it("carves disjoint system and user subnets inside the VNet", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 24 }).chain((p) => alignedCidr(p)),
        (vnetCidr) => {
          const vnet = parseCidr(vnetCidr);
          const { system, user } = carveAksSubnets(vnetCidr);
          assert.ok(cidrContains(vnet, parseCidr(system)) && cidrContains(vnet, parseCidr(user)));
          assert.ok(!cidrsOverlap(parseCidr(system), parseCidr(user)));
        },
      ),
    );
  });
  void it("puts the DNS service at the tenth address", () => {
    assert.equal(dnsServiceIp("172.16.0.0/16"), "172.16.0.10");
  });
  void it("maps zone labels to Azure zone numbers", () => {
    assert.deepEqual(azureZoneNumbers("westeurope", ["westeurope-1", "westeurope-2", "3"]), ["1", "2", "3"]);
    assert.throws(() => azureZoneNumbers("westeurope", ["northeurope-1"]), /not an Azure zone of westeurope/);
  });
});

void describe("splitting node counts over zones", () => {
  void it("gives the remainder to the zones from the offset on", () => {
    assert.deepEqual(splitAcrossZones(7, 3), [3, 2, 2]);
    assert.deepEqual(splitAcrossZones(7, 3, 1), [2, 3, 2]);
    assert.deepEqual(splitAcrossZones(2, 3, 2), [1, 0, 1]);
  });

  const pool = fc
    .tuple(
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 1, max: 100 }),
    )
    .map(([a, b, c]) => {
      const [minSize, desiredSize, maxSize] = [a, b, c].sort((x, y) => x - y);
      return { minSize, desiredSize, maxSize: Math.max(1, maxSize) };
    });

  void it("sums to the pool's min/max/desired and keeps every zone within bounds", () => {
    fc.assert(
      fc.property(pool, fc.integer({ min: 1, max: 6 }), fc.nat({ max: 20 }), (p, zones, offset) => {
        const shares = splitPoolAcrossZones(p, zones, offset);
        assert.equal(shares.length, zones);
        const sum = (k: keyof typeof p) => shares.reduce((acc, s) => acc + s[k], 0);
        assert.equal(sum("minSize"), p.minSize);
        assert.equal(sum("desiredSize"), p.desiredSize);
        assert.equal(sum("maxSize"), p.maxSize);
        for (const s of shares) {
          assert.ok(s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize, JSON.stringify(s));
          assert.ok(s.minSize >= 0);
        }
        // Even: no two zones differ by more than one node in any dimension.
        for (const k of ["minSize", "desiredSize", "maxSize"] as const) {
          const v = shares.map((s) => s[k]);
          assert.ok(Math.max(...v) - Math.min(...v) <= 1);
        }
      }),
      { numRuns: 500 },
    );
  });
  void it("rejects an inconsistent pool", () => {
    assert.throws(
      () => splitPoolAcrossZones({ minSize: 3, desiredSize: 2, maxSize: 5 }, 3),
      /minSize <= desiredSize/,
    );
  });
});

void describe("kubeconfigs", () => {
  const eks = {
    clusterName: "east-eks-1234567",
    endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com",
    certificateAuthorityData: "Q0EK",
    region: "us-east-1",
  };
  void it("renders an EKS kubeconfig that execs aws eks get-token and is byte-stable", () => {
    const text = renderEksKubeconfig(eks);
    assert.equal(text, renderEksKubeconfig({ ...eks }));
    const doc = parseYaml(text);
    assert.equal(doc["current-context"], eks.clusterName);
    assert.equal(doc.clusters[0].cluster.server, eks.endpoint);
    assert.equal(doc.clusters[0].cluster["certificate-authority-data"], "Q0EK");
    const exec = doc.users[0].user.exec;
    assert.equal(exec.command, "aws");
    assert.deepEqual(exec.args, [
      "--region",
      "us-east-1",
      "eks",
      "get-token",
      "--cluster-name",
      eks.clusterName,
      "--output",
      "json",
    ]);
    assert.equal(exec.env, undefined);
    assert.deepEqual(activeCluster(text), {
      context: eks.clusterName,
      cluster: eks.clusterName,
      server: eks.endpoint,
    });
  });
  void it("adds the profile and role when given", () => {
    const doc = parseYaml(
      renderEksKubeconfig({ ...eks, awsProfile: "ops", roleArn: "arn:aws:iam::1:role/x" }),
    );
    assert.deepEqual(doc.users[0].user.exec.env, [{ name: "AWS_PROFILE", value: "ops" }]);
    assert.deepEqual(doc.users[0].user.exec.args.slice(-2), ["--role-arn", "arn:aws:iam::1:role/x"]);
  });
  void it("switches the AKS kubelogin mode away from devicecode", () => {
    const aks = stringifyYaml({
      apiVersion: "v1",
      clusters: [{ name: "c", cluster: { server: "https://c.hcp.westeurope.azmk8s.io:443" } }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      "current-context": "c",
      users: [
        {
          name: "u",
          user: {
            exec: {
              command: "kubelogin",
              args: [
                "get-token",
                "--login",
                "devicecode",
                "--server-id",
                "6dae42f8-4368-4678-94ff-3960e28e3630",
              ],
            },
          },
        },
      ],
    });
    const out = parseYaml(renderAksKubeconfig(Buffer.from(aks).toString("base64"), "azurecli"));
    assert.deepEqual(out.users[0].user.exec.args.slice(0, 3), ["get-token", "--login", "azurecli"]);
    assert.equal(activeCluster(stringifyYaml(out)).server, "https://c.hcp.westeurope.azmk8s.io:443");
    assert.throws(
      () => renderAksKubeconfig(Buffer.from("{}").toString("base64"), "azurecli"),
      /without clusters/,
    );
  });
  void it("explains a context that does not exist", () => {
    const text = renderEksKubeconfig(eks);
    assert.throws(() => activeCluster(text, "other"), /no context "other" \(contexts: east-eks-1234567\)/);
    assert.throws(() => activeCluster("current-context: x\n"), /no context "x"/);
    assert.throws(() => activeCluster(": : :"), /not valid YAML/);
  });
});

void describe("amiTypeFor", () => {
  void it("picks the architecture and refuses mixed pools", () => {
    assert.equal(amiTypeFor(["m6i.large", "m7i.large"]), "AL2023_x86_64_STANDARD");
    assert.equal(amiTypeFor(["m7g.large", "c6gn.xlarge"]), "AL2023_ARM_64_STANDARD");
    assert.throws(() => amiTypeFor(["m7g.large", "m7i.large"]), /mix arm64 and x86_64/);
  });
});
