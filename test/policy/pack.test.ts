import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import YAML from "yaml";
import { policies } from "../../policy/policies";
import { schemaDefaults } from "../../policy/util";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("pipeline-service policy pack", () => {
  it("has 38 policies with unique names", () => {
    // 34, plus k8s-no-internet-facing-load-balancer, k8s-ingress-tls, k8s-namespace-network-policy
    // and iam-no-static-access-keys.
    assert.equal(policies.length, 38, policies.map((p) => p.name).join(", "));
    const names = policies.map((p) => p.name);
    assert.equal(
      new Set(names).size,
      names.length,
      `duplicate names: ${names.filter((n, i) => names.indexOf(n) !== i)}`,
    );
    for (const n of names) assert.match(n, /^[a-z0-9]+(-[a-z0-9]+)*$/, n);
    assert.ok(!names.includes("all"), '"all" is reserved by the policy server');
  });

  it("gives every policy a description, an explicit enforcement level and exactly one kind of validation", () => {
    for (const p of policies) {
      assert.ok(p.description.length >= 30, `${p.name}: description`);
      assert.ok(p.enforcementLevel && LEVELS.includes(p.enforcementLevel), `${p.name}: enforcementLevel`);
      // The server tells the kinds apart by these two fields.
      const kinds = ["validateResource", "validateStack"].filter(
        (k) => k in p && typeof (p as never)[k] !== "undefined",
      );
      assert.equal(kinds.length, 1, `${p.name}: resource xor stack policy`);
    }
    const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory").length;
    assert.ok(mandatory >= 20 && mandatory < policies.length, `${mandatory} mandatory`);
  });

  it("keeps config schemas valid for the server (no enforcementLevel key; defaults match declared types)", () => {
    for (const p of policies) {
      if (!p.configSchema) continue;
      assert.ok(!("enforcementLevel" in p.configSchema.properties), p.name);
      for (const [k, v] of Object.entries(schemaDefaults(p.configSchema))) {
        const schema = p.configSchema.properties[k] as { type?: string };
        const actual = Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
        assert.equal(actual, schema.type, `${p.name}.${k}`);
      }
    }
  });

  it("has a violating and a passing test for every policy (each name is tested by name)", () => {
    const dir = __dirname;
    const tests = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts") && f !== path.basename(__filename))
      .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
      .join("\n");
    const exportNames = fs
      .readdirSync(path.join(dir, "../../policy"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => fs.readFileSync(path.join(dir, "../../policy", f), "utf8"))
      .join("\n");
    for (const p of policies) {
      // The exported const that holds the policy, e.g. `export const rdsMultiAz: ... = { name: "rds-multi-az"`.
      const m = new RegExp(`export const (\\w+): \\w+ = \\{\\s*name: "${p.name}"`).exec(exportNames);
      assert.ok(m, `${p.name}: exported as a named const`);
      assert.ok(tests.includes(m[1]), `${p.name}: no test uses ${m[1]}`);
    }
  });

  it("ships a PulumiPolicy.yaml for the nodejs runtime and a package version (the PolicyPack constructor needs one)", () => {
    const dir = path.join(__dirname, "../../policy");
    const manifest = YAML.parse(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")) as {
      runtime: unknown;
    };
    assert.equal(manifest.runtime, "nodejs");
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      version?: string;
      main?: string;
    };
    assert.match(pkg.version ?? "", /^\d+\.\d+\.\d+$/);
    assert.ok(fs.existsSync(path.join(dir, pkg.main ?? "index.js")));
    assert.match(
      fs.readFileSync(path.join(dir, "index.ts"), "utf8"),
      /new PolicyPack\(PACK_NAME, \{ policies, enforcementLevel/,
    );
  });

  it("declares its own runtime dependencies, pinned to the root lock, so it installs and runs on its own", () => {
    const dir = path.join(__dirname, "../../policy");
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    const deps = pkg.dependencies ?? {};
    assert.equal(pkg.devDependencies, undefined, "no devDependencies: the pack installs only what it runs");
    // Every package a policy file imports at run time (`import type` is erased).
    const imported = new Set<string>();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      for (const m of text.matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gms)) {
        const spec = m[1];
        if (spec.startsWith(".") || spec.startsWith("node:")) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
      }
    }
    assert.ok(imported.has("@pulumi/policy"), [...imported].join(", "));
    // @pulumi/pulumi is the policy SDK's runtime; ts-node and typescript run index.ts (main) as the
    // Pulumi CLI does for a TypeScript pack.
    const needed = [...new Set([...imported, "@pulumi/pulumi", "ts-node", "typescript"])].sort();
    assert.deepEqual(Object.keys(deps).sort(), needed, "exactly what the pack needs at run time");
    for (const name of needed) {
      assert.equal(
        deps[name],
        lock.packages[`node_modules/${name}`]?.version,
        `${name}: the root lock's version`,
      );
    }
  });
});
