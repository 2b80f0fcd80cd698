// The policy pack against the real program: each shipped stack, and deliberately broken variants of
// it that infra/config.ts accepts, run under mocks (test/helpers/fleet-mocks.ts); what the program
// registered (recorded by test/helpers/engine-recorder.ts) is handed to every policy the way the
// engine would (resource policies see inputs, stack policies see outputs, protect, providers and
// property dependencies). A shipped stack must violate no mandatory policy; each broken variant must
// add exactly the expected policy names.
// Under mocks, yaml.v2.ConfigGroup children (upstream Tekton, Argo CD objects) are not registered;
// the Kubernetes policies judge them in the ConfigGroups' objs (resource policies see its inputs,
// stack policies the mock's state, which repeats them), as a preview judges them before the group
// creates anything. Values the engine would not know yet ("cannot judge yet", advisory) are
// collected apart from violations.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type {
  PolicyProviderResource,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, parseRegionConfig } from "../../infra/config";
import { policies } from "../../policy/policies";
import type { Registration } from "../helpers/engine-recorder";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";
import { UNKNOWN, providerRef, runResource, runStack, stackResource } from "./helpers";

setupFleetMocks();

const SIG = pulumi.runtime.specialSigKey;

/**
 * Wire values as an analyzer receives them: secrets unwrapped, resource references downgraded to
 * the resource's id (custom) or URN (component), as the engine does for analyzers.
 */
function plain(v: unknown): unknown {
  if (v === pulumi.runtime.unknownValue) return UNKNOWN.string;
  if (Array.isArray(v)) return v.map(plain);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  switch (o[SIG]) {
    case pulumi.runtime.specialSecretSig:
    case pulumi.runtime.specialOutputValueSig:
      return "value" in o ? plain(o.value) : UNKNOWN.string;
    case pulumi.runtime.specialResourceSig:
      return o.id ?? o.urn;
    case pulumi.runtime.specialAssetSig:
    case pulumi.runtime.specialArchiveSig:
      return o;
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
}

/** Packages the explicit-providers rule covers; their custom resources get a default provider when none is passed. */
const PROVIDER_PACKAGES = ["aws", "azure-native", "kubernetes"];

interface View {
  registrations: Registration[];
  /** Stack policy view (outputs), in registration order. */
  stack: PolicyResource[];
  providerOf(r: Registration): PolicyProviderResource | undefined;
}

function engineView(registrations: Registration[]): View {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  const providers = new Map<string, PolicyProviderResource>();
  const providerOf = (r: Registration): PolicyProviderResource | undefined => {
    if (r.type.startsWith("pulumi:providers:")) return undefined;
    const pkg = r.type.slice(0, r.type.indexOf(":"));
    const urn = r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : "";
    const explicit = byUrn.get(urn);
    if (explicit) {
      if (!providers.has(urn))
        providers.set(
          urn,
          providerRef(explicit.type, explicit.name, plain(explicit.inputs) as Record<string, unknown>),
        );
      return providers.get(urn);
    }
    // The engine gives a custom resource without a provider its package's default provider.
    if (r.custom && PROVIDER_PACKAGES.includes(pkg))
      return providerRef(`pulumi:providers:${pkg}`, "default", {});
    return undefined;
  };
  const built = new Map<string, PolicyResource>();
  const stack: PolicyResource[] = [];
  for (const r of registrations) {
    const propertyDependencies: Record<string, PolicyResource[]> = {};
    for (const [k, urns] of Object.entries(r.propertyDependencies)) {
      propertyDependencies[k] = urns.map((u) => built.get(u)).filter((x): x is PolicyResource => !!x);
    }
    const res = stackResource(r.type, r.name, plain(r.outputs) as Record<string, unknown>, {
      protect: r.protect,
      provider: providerOf(r),
      propertyDependencies,
    });
    built.set(r.urn, res);
    stack.push(res);
  }
  return { registrations, stack, providerOf };
}

// ---- Running every policy over one program run. ----

const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy =>
  "validateStack" in p;
const MANDATORY = new Set(
  policies.filter((p) => (p.enforcementLevel ?? "advisory") === "mandatory").map((p) => p.name),
);

interface Evaluation {
  view: View;
  /** Policy name -> violation messages (only policies that reported something). */
  violations: Map<string, string[]>;
  /** Stack policies that declared themselves not applicable. */
  notApplicable: Set<string>;
  /** Policy name -> "cannot judge yet" messages (advisory whatever the policy's level). */
  cannotJudge: Map<string, string[]>;
}

async function evaluate(doc: Record<string, unknown>): Promise<Evaluation> {
  const view = engineView(await runRecorded(doc));
  const violations = new Map<string, string[]>();
  const add = (name: string, msgs: string[]) => {
    if (msgs.length > 0) violations.set(name, [...(violations.get(name) ?? []), ...msgs]);
  };
  const notApplicable = new Set<string>();
  const cannotJudge = new Map<string, string[]>();
  const pending = (name: string, msgs: string[]) => {
    if (msgs.length > 0) cannotJudge.set(name, [...(cannotJudge.get(name) ?? []), ...msgs]);
  };
  for (const p of policies) {
    if (isStackPolicy(p)) {
      const o = await runStack(p, view.stack);
      if (o.notApplicable.length > 0) notApplicable.add(p.name);
      add(
        p.name,
        o.violations.map((v) => v.message),
      );
      pending(p.name, o.cannotJudge);
      continue;
    }
    for (const r of view.registrations) {
      const o = await runResource(p, r.type, plain(r.inputs) as Record<string, unknown>, {
        name: r.name,
        provider: view.providerOf(r),
        opts: { protect: r.protect },
      });
      add(
        p.name,
        o.violations.map((v) => `${r.type} ${r.name}: ${v.message}`),
      );
      pending(
        p.name,
        o.cannotJudge.map((m) => `${r.type} ${r.name}: ${m}`),
      );
    }
  }
  return { view, violations, notApplicable, cannotJudge };
}

const names = (e: Evaluation) => [...e.violations.keys()].sort();
/**
 * Violations the shipped stacks have today (the baseline tests below fail on them until the
 * components are fixed). The broken-variant cases leave them out, so each case is judged only on
 * what its own change adds, before and after those fixes.
 */
/** Policy names with a violation message in `a` that `b` does not have. */
const newIn = (a: Evaluation, b: Evaluation) =>
  names(a).filter((n) => (a.violations.get(n) ?? []).some((m) => !(b.violations.get(n) ?? []).includes(m)));
const mandatory = (e: Evaluation) => names(e).filter((n) => MANDATORY.has(n));
const describeViolations = (e: Evaluation, only: string[]) =>
  only.map((n) => `${n}:\n    ${(e.violations.get(n) ?? []).slice(0, 5).join("\n    ")}`).join("\n");

/** The stack file's config without the namespace, as infra/config.ts validates it. */
function regionConfigOf(doc: Record<string, unknown>) {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) raw[k.slice(PROJECT.length + 1)] = v;
  return parseRegionConfig(raw);
}

/** A copy of the stack document with top-level key `key` (without namespace) edited. */
function edit(
  doc: Record<string, unknown>,
  key: string,
  f: (old: unknown) => unknown,
): Record<string, unknown> {
  const full = `${PROJECT}:${key}`;
  const copy = structuredClone(doc);
  const next = f(copy[full]);
  if (next === undefined) delete copy[full];
  else copy[full] = next;
  return copy;
}
const merge = (patch: Record<string, unknown>) => (old: unknown) => ({ ...(old as object), ...patch });
const set = (value: unknown) => () => value;

// ---- The shipped stacks. ----

const baseline = new Map<string, Evaluation>();
async function baselineOf(stack: string): Promise<Evaluation> {
  if (!baseline.has(stack)) baseline.set(stack, await evaluate(stackDocument(stack)));
  return baseline.get(stack) as Evaluation;
}

/** Stack policies that must have judged each shipped stack (not declined), so a clean result means something. */
const MUST_APPLY: Record<string, string[]> = {
  aws: [
    "one-failure-domain-per-stack",
    "kcp-one-shard-per-region",
    "resources-in-stack-region",
    "providers-in-stack-region",
    "stateful-resources-protected",
    "eks-node-groups-span-zones",
    "s3-bucket-encryption",
    "s3-bucket-versioning",
    "s3-public-access-block",
    "tekton-images-pinned",
    "k8s-namespace-network-policy",
    "k8s-pdb-for-replicated-workloads",
  ],
  azure: [
    "one-failure-domain-per-stack",
    "kcp-one-shard-per-region",
    "resources-in-stack-region",
    "providers-in-stack-region",
    "stateful-resources-protected",
    "tekton-images-pinned",
    "k8s-namespace-network-policy",
    "k8s-pdb-for-replicated-workloads",
  ],
  local: [
    "one-failure-domain-per-stack",
    "kcp-one-shard-per-region",
    "tekton-images-pinned",
    "k8s-namespace-network-policy",
    "k8s-pdb-for-replicated-workloads",
  ],
};

void describe("shipped stacks: no mandatory policy fails (no false positives)", () => {
  for (const stack of STACK_NAMES) {
    void it(stack, async () => {
      const e = await baselineOf(stack);
      const types = new Set(e.view.stack.map((r) => r.type));
      assert.ok(types.has("pipeline-service:index:FailureDomain"), "the program ran");
      const advisory = names(e).filter((n) => !MANDATORY.has(n));
      const pending = [...e.cannotJudge.entries()].map(([n, m]) => `${n}: ${m.slice(0, 3).join(" | ")}`);
      console.log(
        `${stack}: ${e.view.stack.length} resources; advisory: ${advisory.join(", ") || "none"}; not applicable: ${[...e.notApplicable].sort().join(", ")}; cannot judge yet: ${pending.join("; ") || "none"}\n  ${describeViolations(e, names(e)).replace(/\n/g, "\n  ")}`,
      );
      const judged = MUST_APPLY[stack.slice(0, stack.indexOf("-"))] ?? [];
      assert.deepEqual(
        judged.filter((n) => e.notApplicable.has(n)),
        [],
        "these stack policies declined to judge the stack",
      );
      assert.deepEqual(mandatory(e), [], describeViolations(e, mandatory(e)));
    });
  }
});

// ---- Broken variants: each passes config validation and adds exactly the expected policy names. ----

interface Case {
  title: string;
  stack: string;
  change: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** Policy names with violations the shipped stack does not have. */
  adds: string[];
  /** Policy names with violations of the shipped stack that are gone (e.g. a resource disappeared). */
  removes?: string[];
  /** A substring every new violation message of that policy contains. */
  mentions?: Record<string, string>;
}

const CASES: Case[] = [
  {
    title: "aws home region with protect: false",
    stack: "aws-us-east-1",
    change: (d) => edit(d, "protect", set(false)),
    adds: ["stateful-resources-protected"],
    mentions: { "stateful-resources-protected": "is not protected" },
  },
  {
    // The tag rule judges what the program really tags: with the stack's tags gone, every taggable
    // resource lacks the required keys (and only those: the shipped stack passes).
    title: "aws region without pipeline-service:tags",
    stack: "aws-eu-west-1",
    change: (d) => edit(d, "tags", set({})),
    adds: ["aws-required-tags"],
    mentions: { "aws-required-tags": "missing tag key(s): team, cost-center." },
  },
  {
    title: "aws region with a single-AZ database (database.multiAz: false)",
    stack: "aws-eu-west-1",
    change: (d) => edit(d, "database", merge({ multiAz: false })),
    adds: ["rds-multi-az"],
    mentions: { "rds-multi-az": "multiAz is not true" },
  },
  {
    title: "azure region with a single-zone database (database.zoneRedundant: false)",
    stack: "azure-westeurope",
    change: (d) => edit(d, "database", merge({ zoneRedundant: false })),
    adds: ["azure-postgres-zone-redundant-ha"],
    mentions: { "azure-postgres-zone-redundant-ha": "not ZoneRedundant" },
  },
  {
    title: "azure region with protect: false",
    stack: "azure-westeurope",
    change: (d) => edit(d, "protect", set(false)),
    adds: ["stateful-resources-protected"],
    mentions: { "stateful-resources-protected": "is not protected" },
  },
  {
    title: "local region switched to profile: cloud but still protect: false",
    stack: "local-east",
    // The local PostgreSQL trusts loopback; a cloud region would need resultsDatabasePassword for it, so the
    // database moves into the cluster, as in a cloud stack without a managed one.
    change: (d) =>
      edit(
        edit(
          edit(d, "profile", set("cloud")),
          "kcp",
          // kcp.localEnvFile only has an effect in the local profile (infra/config.ts refuses it here).
          set({ externalUrl: "https://kcp.local-east.example.com" }),
        ),
        "database",
        set({ kind: "in-cluster", storageSize: "1Gi" }),
      ),
    // The cloud profile builds the kcp root and shard in the cluster, as the cloud stacks do: their
    // etcd image (quay.io/coreos/etcd) is outside the allowed registries, their Services are public
    // LoadBalancers and their namespaces (and the database's) have no NetworkPolicy — all advisory,
    // as in the cloud stacks.
    adds: [
      "k8s-allowed-registries",
      "k8s-namespace-network-policy",
      "k8s-no-internet-facing-load-balancer",
      "stateful-resources-protected",
    ],
    mentions: {
      "k8s-allowed-registries": "quay.io/coreos/etcd",
      "k8s-namespace-network-policy": "has no NetworkPolicy",
      "k8s-no-internet-facing-load-balancer": "is an internet-facing LoadBalancer",
      "stateful-resources-protected": "is not protected",
    },
  },
];

void describe("broken stack configs fail with the expected policy names", () => {
  before(async () => {
    for (const c of new Set(CASES.map((x) => x.stack))) await baselineOf(c);
  });
  for (const c of CASES) {
    void it(`${c.title} → ${c.adds.join(", ") || "nothing"}`, async () => {
      const base = await baselineOf(c.stack);
      const doc = c.change(stackDocument(c.stack));
      assert.doesNotThrow(() => regionConfigOf(doc), "infra/config.ts accepts the broken config");
      const e = await evaluate(doc);
      // Compared by message, so a policy the shipped stack already trips elsewhere still counts.
      const added = newIn(e, base);
      const removed = newIn(base, e);
      assert.deepEqual(added, [...c.adds].sort(), describeViolations(e, added));
      assert.deepEqual(removed, [...(c.removes ?? [])].sort());
      for (const [policy, text] of Object.entries(c.mentions ?? {})) {
        const msgs = e.violations.get(policy) ?? [];
        assert.ok(msgs.length > 0 && msgs.every((m) => m.includes(text)), `${policy}: ${msgs.join("; ")}`);
      }
      console.log(`${c.title}:\n  ${describeViolations(e, added).replace(/\n/g, "\n  ")}`);
    });
  }
});
