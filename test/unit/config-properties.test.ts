// Property tests (fast-check) for the numeric and CIDR rules: generated valid configs are accepted; one
// field perturbed out of its range is rejected with that key named. Configs the validation accepts are
// also accepted by the components' own invariant checks, list order never matters, and no value at any
// key makes the validation speak the schema library's words.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import { aksArgsFromConfig, validateAksArgs } from "../../components/cluster/aks";
import { eksArgsFromConfig, validateEksArgs } from "../../components/cluster/eks";
import {
  AKS_POD_CIDR,
  AKS_SERVICE_CIDR,
  AZURE_POSTGRES_STORAGE_TIERS_GB,
  ConfigError,
  cidrsOverlap,
  formatIpv4Cidr,
  parseIpv4Cidr,
  parseRegionConfig,
  type RegionConfig,
} from "../../infra/config";
import { aws, azure, LIBRARY_TEXT, local, OUR_FORM, set } from "./config-cases";

const RUNS = { numRuns: 200 };

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseRegionConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  return [];
}

/** Sets the value at a dotted path (numbers index lists). */
function setAt(raw: Record<string, unknown>, path: (string | number)[], value: unknown) {
  let o = raw as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return raw;
}
const keyName = (path: (string | number)[]) =>
  `pipeline-service:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Numeric fields: [base stack, path, min, max, whole numbers only]. */
const NUMERIC: [() => Record<string, unknown>, (string | number)[], number, number, boolean][] = [
  [aws, ["cluster", "nodePools", 0, "diskSizeGb"], 20, 2000, true],
  [aws, ["database", "allocatedStorageGb"], 20, 65536, true],
  [aws, ["database", "backupRetentionDays"], 7, 35, true],
  [aws, ["logs", "retentionDays"], 1, 3650, true],
  [azure, ["database", "backupRetentionDays"], 7, 35, true],
  [azure, ["cluster", "logRetentionDays"], 30, 730, true],
  [local, ["database", "port"], 1, 65535, true],
  [local, ["tekton", "results", "retentionDays"], 1, 3650, true],
  [local, ["tekton", "results", "tlsValidityHours"], 24, 87600, true],
  [local, ["tekton", "pipelines", "controllerThreadsPerController"], 1, 128, true],
  [local, ["tekton", "pipelines", "controllerKubeApiBurst"], 1, 2000, true],
  [local, ["tekton", "pipelines", "controllerKubeApiQps"], 1, 1000, false],
  [local, ["tenants", 0, "quota", "pods"], 1, 10000, true],
  [local, ["tenants", 0, "quota", "pipelineRuns"], 1, 100000, true],
];

void describe("numeric rules", () => {
  void it(`${NUMERIC.length} fields: in range accepted, out of range rejected naming the key`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NUMERIC),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.boolean(),
        ([base, path, min, max, int], x, wholeOnly) => {
          const value = wholeOnly || int ? Math.round(x) : x;
          const raw = setAt(base(), path, value);
          const ok = value >= min && value <= max && (!int || Number.isInteger(value));
          const found = problems(raw);
          assert.equal(found.length === 0, ok, `${keyName(path)} = ${value}: ${found.join("; ")}`);
          if (!ok) assert.match(found.join("\n"), new RegExp(`^${escape(keyName(path))} = `, "m"));
        },
      ),
      { numRuns: 500 },
    );
  });
  void it("in range at the limits: every field accepts its min and its max", () => {
    for (const [base, path, min, max] of NUMERIC) {
      assert.deepEqual(problems(setAt(base(), path, min)), [], keyName(path));
      assert.deepEqual(problems(setAt(base(), path, max)), [], keyName(path));
    }
  });
  void it("EKS pools: min <= desired <= max within 0..100 (max >= 1) accepted, else rejected naming the pool", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 102 }),
        fc.integer({ min: -2, max: 102 }),
        fc.integer({ min: -2, max: 102 }),
        (min, max, desired) => {
          const raw = set(aws(), (c) =>
            Object.assign(c.cluster.nodePools[0], { minSize: min, maxSize: max, desiredSize: desired }),
          );
          const inRange = [min, desired].every((v) => v >= 0 && v <= 100) && max >= 1 && max <= 100;
          const ok = inRange && min <= desired && desired <= max;
          const found = problems(raw);
          assert.equal(found.length === 0, ok, found.join("; "));
          if (!ok) assert.match(found.join("\n"), /^pipeline-service:cluster.nodePools\[0\]/m);
        },
      ),
      RUNS,
    );
  });
  void it("AKS user pools: 0 <= min <= max <= 1000 (max >= 1) accepted; system pools need min >= 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1, max: 1001 }),
        fc.integer({ min: -1, max: 1001 }),
        fc.boolean(),
        (min, max, system) => {
          const raw = set(azure(), (c) =>
            Object.assign(system ? c.cluster.systemPool : c.cluster.userPools[0], {
              minCount: min,
              maxCount: max,
            }),
          );
          const ok = min >= (system ? 1 : 0) && max >= 1 && max <= 1000 && min <= max;
          const found = problems(raw);
          assert.equal(found.length === 0, ok, found.join("; "));
          const key = system ? "cluster.systemPool" : "cluster.userPools\\[0\\]";
          if (!ok) assert.match(found.join("\n"), new RegExp(`^pipeline-service:${key}`, "m"));
        },
      ),
      RUNS,
    );
  });
  void it("Azure PostgreSQL storage: exactly the tiers are accepted", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...AZURE_POSTGRES_STORAGE_TIERS_GB), fc.integer({ min: 0, max: 40000 })),
        (gb) => {
          const found = problems(set(azure(), (c) => (c.database.storageSizeGb = gb)));
          assert.equal(found.length === 0, AZURE_POSTGRES_STORAGE_TIERS_GB.includes(gb), found.join("; "));
          if (found.length > 0) assert.match(found[0], /^pipeline-service:database.storageSizeGb = /);
        },
      ),
      RUNS,
    );
  });
  void it("sizes: any positive whole-byte quantity is accepted, zero is not", () => {
    const units = ["", "k", "M", "G", "Ki", "Mi", "Gi", "Ti"];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100000 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(...units),
        (n, tenth, unit) => {
          const size = tenth > 0 && unit.endsWith("i") ? `${n}.5${unit}` : `${n}${unit}`;
          const found = problems(set(local(), (c) => (c.logs.size = size)));
          const ok = n > 0 || (tenth > 0 && unit.endsWith("i"));
          assert.equal(found.length === 0, ok, `${size}: ${found.join("; ")}`);
          if (!ok) assert.match(found[0], /^pipeline-service:logs.size = /);
        },
      ),
      RUNS,
    );
  });
  void it("tags: AWS accepts up to 48, Azure up to 50, naming tags beyond", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.boolean(), (n, onAws) => {
        const tags = Object.fromEntries([...Array(n).keys()].map((i) => [`key-${i}`, `value ${i}`]));
        const found = problems(set(onAws ? aws() : azure(), (c) => (c.tags = tags)));
        assert.equal(found.length === 0, n <= (onAws ? 48 : 50), found.join("; "));
        if (found.length > 0) assert.match(found[0], /^pipeline-service:tags = /);
      }),
      RUNS,
    );
  });
});

/** A random network address: a 32-bit number with its host bits cleared. */
const network = (minPrefix: number, maxPrefix: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: minPrefix, max: maxPrefix }))
    .map(([n, prefix]) => ({ base: n - (n % 2 ** (32 - prefix)), prefix }));

void describe("CIDR rules", () => {
  void it("EKS vpcCidr: any /16-/23 network (3 zones) is accepted, and the EKS component accepts it too", () => {
    fc.assert(
      fc.property(network(16, 23), (net) => {
        const raw = set(aws(), (c) => (c.cluster.vpcCidr = formatIpv4Cidr(net)));
        assert.deepEqual(problems(raw), []);
        const c = parseRegionConfig(raw);
        assert.ok(c.cluster.kind === "eks");
        validateEksArgs(eksArgsFromConfig(c.cluster, c, undefined as never));
      }),
      RUNS,
    );
  });
  void it("EKS vpcCidr perturbed (a host bit set, or a prefix outside /16-/23) is rejected naming the key", () => {
    fc.assert(
      fc.property(
        network(16, 23),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 32 }),
        fc.boolean(),
        (net, bit, prefix, hostBit) => {
          const perturbed = hostBit
            ? {
                base: net.base + (2 ** Math.min(bit, 31 - net.prefix) % 2 ** (32 - net.prefix)),
                prefix: net.prefix,
              }
            : { base: net.base - (net.base % 2 ** (32 - prefix)), prefix };
          fc.pre(hostBit ? perturbed.base !== net.base : prefix < 16 || prefix > 23);
          const found = problems(set(aws(), (c) => (c.cluster.vpcCidr = formatIpv4Cidr(perturbed))));
          assert.ok(found.length > 0, formatIpv4Cidr(perturbed));
          assert.match(found.join("\n"), /^pipeline-service:cluster.vpcCidr = /m);
        },
      ),
      RUNS,
    );
  });
  void it("AKS vnetCidr: a network of /8-/24 is accepted iff it overlaps neither pod nor service CIDR; the AKS component agrees", () => {
    const reserved = [AKS_POD_CIDR, AKS_SERVICE_CIDR].map((s) => parseIpv4Cidr(s)!);
    fc.assert(
      fc.property(network(8, 24), (net) => {
        const raw = set(azure(), (c) => (c.cluster.vnetCidr = formatIpv4Cidr(net)));
        const ok = !reserved.some((r) => cidrsOverlap(r, net));
        const found = problems(raw);
        assert.equal(found.length === 0, ok, found.join("; "));
        if (!ok) assert.match(found[0], /^pipeline-service:cluster.vnetCidr = /);
        else {
          const c = parseRegionConfig(raw);
          assert.ok(c.cluster.kind === "aks");
          validateAksArgs(aksArgsFromConfig(c.cluster, c, undefined as never));
        }
      }),
      RUNS,
    );
  });
  void it("public access CIDRs: any distinct networks (at most 40, no 0.0.0.0/0) accepted; a host bit names the entry", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(network(1, 32), { minLength: 1, maxLength: 45, selector: (n) => formatIpv4Cidr(n) }),
        fc.nat(),
        fc.boolean(),
        (nets, pick, hostBit) => {
          const cidrs = nets.map(formatIpv4Cidr);
          const i = pick % cidrs.length;
          const broken = hostBit && nets[i].prefix < 32;
          if (broken) cidrs[i] = formatIpv4Cidr({ base: nets[i].base + 1, prefix: nets[i].prefix });
          const raw = set(aws(), (c) =>
            Object.assign(c.cluster, { endpointPublicAccess: true, publicAccessCidrs: cidrs }),
          );
          const found = problems(raw);
          assert.equal(found.length === 0, !broken && cidrs.length <= 40, found.join("; "));
          if (broken)
            assert.match(
              found.join("\n"),
              new RegExp(`^pipeline-service:cluster.publicAccessCidrs\\[${i}\\] = `, "m"),
            );
          if (found.length === 0) {
            const c = parseRegionConfig(raw);
            assert.ok(c.cluster.kind === "eks");
            validateEksArgs(eksArgsFromConfig(c.cluster, c, undefined as never));
          }
        },
      ),
      RUNS,
    );
  });
});

void describe("lists whose order does not matter", () => {
  void it("any order of allow-lists, admin groups and tenant namespaces gives the same config", () => {
    const groups = [
      "00000000-0000-4000-8000-000000000001",
      "00000000-0000-4000-8000-000000000002",
      "11111111-0000-4000-8000-000000000003",
    ];
    const cidrs = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"];
    const namespaces = ["default", "builds", "release"];
    const same = (make: (order: number[]) => Record<string, unknown>) =>
      fc.assert(
        fc.property(fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }), (order) => {
          assert.deepEqual(parseRegionConfig(make(order)), parseRegionConfig(make([0, 1, 2])));
        }),
        { numRuns: 30 },
      );
    same((o) =>
      set(azure(), (c) =>
        Object.assign(c.cluster, {
          adminGroupObjectIds: o.map((i) => groups[i]),
          privateCluster: false,
          authorizedIpRanges: o.map((i) => cidrs[i]),
        }),
      ),
    );
    same((o) =>
      set(aws(), (c) =>
        Object.assign(c.cluster, { endpointPublicAccess: true, publicAccessCidrs: o.map((i) => cidrs[i]) }),
      ),
    );
    same((o) =>
      set(local(), (c) => (c.tenants = [{ name: "team-east", namespaces: o.map((i) => namespaces[i]) }])),
    );
  });
});

/** Every path to a leaf of a config, lists and maps included. */
function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== "object") return [path];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [path, ...entries.flatMap(([k, x]) => leafPaths(x, [...path, k]))].filter((p) => p.length > 0);
}

void describe("any value at any key", () => {
  void it("is accepted, or rejected in our words naming a key (never the schema library's text)", () => {
    const bases = [aws, azure, local];
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.anything({ maxDepth: 2 }), (b, p, value) => {
        const base = bases[b % bases.length]();
        const paths = leafPaths(base);
        const path = paths[p % paths.length];
        let result: RegionConfig | undefined;
        let error: unknown;
        try {
          result = parseRegionConfig(setAt(base, path, value));
        } catch (e) {
          error = e;
        }
        if (result) return;
        assert.ok(
          error instanceof ConfigError,
          `${keyName(path)} = ${fc.stringify(value)}: ${fc.stringify(error)}`,
        );
        for (const m of error.problems) {
          assert.doesNotMatch(m, LIBRARY_TEXT);
          assert.match(m, OUR_FORM);
        }
      }),
      { numRuns: 500 },
    );
  });
});
