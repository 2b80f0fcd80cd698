// Tests for what our pulumi-language-nodejs reads from a program's node_modules (tools/language-host/packages.ts)
// against real directory trees, and for how tools/recipes/language-host.sh installs the host.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  findPackageJson,
  installCommand,
  requiredPackageOf,
  requiredPackages,
  walkDependencies,
} from "../../tools/language-host/packages";

const REPO = path.resolve(__dirname, "../..");

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

/**
 * A project laid out like this one: package.json + node_modules at the root, the program in infra/.
 *   @pulumi/foo (SDK, version from package.json) → @pulumi/bar (nested copy, explicit name/version/server)
 *   third (plugin declared in pulumi-plugin.json), linked (a symlink, as `npm link` makes) → cycle-a ⇄ cycle-b
 *   @pulumi/dev (devDependency SDK), @pulumi/stray (installed, depended on by nothing), bad (no plugin name)
 */
function makeProject(root: string): void {
  const nm = path.join(root, "node_modules");
  writeJson(path.join(root, "package.json"), {
    name: "proj",
    dependencies: { "@pulumi/foo": "1.2.3", third: "1.0.0", linked: "1.0.0", bad: "1.0.0", absent: "1.0.0" },
    devDependencies: { "@pulumi/dev": "0.0.1" },
    optionalDependencies: { "optional-absent": "1.0.0" },
  });
  fs.mkdirSync(path.join(root, "infra"));
  writeJson(path.join(nm, "@pulumi/foo/package.json"), {
    name: "@pulumi/foo",
    version: "1.2.3",
    pulumi: { resource: true },
    dependencies: { "@pulumi/bar": "2.0.0" },
  });
  writeJson(path.join(nm, "@pulumi/foo/node_modules/@pulumi/bar/package.json"), {
    name: "@pulumi/bar",
    version: "9.9.9",
    pulumi: { resource: true, name: "bar", version: "v2.0.0", server: "https://plugins.example.test" },
  });
  writeJson(path.join(nm, "third/package.json"), { name: "third", version: "1.0.0" });
  writeJson(path.join(nm, "third/pulumi-plugin.json"), {
    resource: true,
    name: "third-plugin",
    version: "0.1.0",
  });
  writeJson(path.join(root, "elsewhere/linked/package.json"), {
    name: "linked",
    version: "1.0.0",
    dependencies: { "cycle-a": "1" },
  });
  fs.symlinkSync(path.join(root, "elsewhere/linked"), path.join(nm, "linked"));
  writeJson(path.join(nm, "cycle-a/package.json"), {
    name: "cycle-a",
    version: "1.0.0",
    dependencies: { "cycle-b": "1" },
  });
  writeJson(path.join(nm, "cycle-b/package.json"), {
    name: "cycle-b",
    version: "1.0.0",
    dependencies: { "cycle-a": "1" },
  });
  writeJson(path.join(nm, "@pulumi/dev/package.json"), {
    name: "@pulumi/dev",
    version: "0.0.1",
    pulumi: {
      resource: true,
      parameterization: { name: "p", version: "1.0.0", value: Buffer.from("xyz").toString("base64") },
    },
  });
  writeJson(path.join(nm, "@pulumi/stray/package.json"), {
    name: "@pulumi/stray",
    version: "5.0.0",
    pulumi: { resource: true },
  });
  writeJson(path.join(nm, "bad/package.json"), { name: "bad", version: "1.0.0", pulumi: { resource: true } });
}

describe("language host: required plugins from node_modules", () => {
  let tmp: string;
  let root: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-pkgs-"));
    root = path.join(tmp, "proj");
    makeProject(root);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("finds package.json by searching upward from the program directory", () => {
    assert.equal(findPackageJson(path.join(root, "infra")), path.join(root, "package.json"));
    assert.equal(findPackageJson(root), path.join(root, "package.json"));
    assert.equal(findPackageJson(path.parse(tmp).root), undefined);
  });

  it("reports every plugin the program's dependency graph declares, transitively, upstream's way", () => {
    const { packages, problems } = requiredPackages(path.join(root, "infra"));
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.server]),
      [
        ["bar", "v2.0.0", "https://plugins.example.test"], // nested copy: explicit name, version and server
        ["dev", "v0.0.1", ""], // devDependencies count, as upstream's host sees them in node_modules
        ["foo", "v1.2.3", ""], // @pulumi/<name>, the package's own version, v-prefixed
        ["third-plugin", "v0.1.0", ""], // from pulumi-plugin.json
      ],
    );
    assert.deepEqual(Buffer.from(packages[1].parameterization!.value).toString(), "xyz");
    assert.ok(!packages.some((p) => p.name === "stray"), "installed but depended on by nothing");
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /package "bad" declares a resource plugin but no "name" in its "pulumi" section/,
    );
  });

  it("walks symlinked packages and cycles once, and names direct dependencies that are not installed", () => {
    const walk = walkDependencies(path.join(root, "infra"));
    assert.equal(walk.root, root);
    assert.deepEqual(walk.missing, ["absent"]);
    assert.deepEqual(walk.direct.map((p) => p.name).sort(), [
      "@pulumi/dev",
      "@pulumi/foo",
      "bad",
      "linked",
      "third",
    ]);
    const names = walk.all.map((p) => p.name).sort();
    assert.deepEqual(names, [...new Set(names)], "each package once");
    assert.ok(names.includes("cycle-a") && names.includes("cycle-b"));
  });

  it("declares nothing (and says why) for a program without package.json", () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-bare-"));
    try {
      // os.tmpdir() has no package.json above it on the machines this runs on; skip the check otherwise.
      if (findPackageJson(bare)) return;
      const res = requiredPackages(bare);
      assert.deepEqual(res.packages, []);
      assert.match(res.problems[0], /no package\.json found in .* or any directory above it/);
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it("derives @pulumi/<name> → <name> and a single v prefix for any version", () => {
    const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    const versionArb = fc
      .tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.boolean())
      .map(([a, b, c, v]) => `${v ? "v" : ""}${a}.${b}.${c}`);
    fc.assert(
      fc.property(nameArb, versionArb, (name, version) => {
        const req = requiredPackageOf({
          dir: "/x",
          manifest: { name: `@pulumi/${name}`, version, pulumi: { resource: true } },
        });
        assert.equal(req?.name, name);
        assert.equal(req?.version, version.startsWith("v") ? version : `v${version}`);
        assert.ok(!req!.version.startsWith("vv"));
      }),
    );
  });

  it("installs with npm ci when a lockfile pins the tree, npm install otherwise, never running install scripts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-lock-"));
    try {
      assert.deepEqual(installCommand(dir, false), [
        "npm",
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
      ]);
      fs.writeFileSync(path.join(dir, "package-lock.json"), "{}");
      assert.deepEqual(installCommand(dir, true), [
        "npm",
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--omit=dev",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sees this project's SDKs from infra/: kubernetes, aws, azure-native at their package.json versions", () => {
    const found = requiredPackages(path.join(REPO, "infra")).packages;
    for (const sdk of ["kubernetes", "aws", "azure-native"]) {
      const pkg = JSON.parse(
        fs.readFileSync(path.join(REPO, "node_modules/@pulumi", sdk, "package.json"), "utf8"),
      );
      const p = found.find((x) => x.name === sdk);
      assert.equal(p?.version, `v${pkg.version}`, `${sdk} in ${found.map((x) => x.name).join(", ")}`);
    }
  });
});

describe("language host: installation (tools/recipes/language-host.sh)", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-recipe-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A copy of tools/ (lib, versions, the recipe) in a scratch project whose .tools/bin/pulumi is `cli`. */
  function project(name: string, cliDir: string): string {
    const p = path.join(tmp, name);
    fs.mkdirSync(path.join(p, "tools/recipes"), { recursive: true });
    for (const f of ["lib.sh", "versions.env", "recipes/language-host.sh"]) {
      fs.copyFileSync(path.join(REPO, "tools", f), path.join(p, "tools", f));
    }
    fs.mkdirSync(path.join(p, ".tools/bin"), { recursive: true });
    fs.symlinkSync(path.join(cliDir, "pulumi"), path.join(p, ".tools/bin/pulumi"));
    return p;
  }
  const runRecipe = (p: string) =>
    execFileSync("bash", ["-c", ". tools/lib.sh && . tools/recipes/language-host.sh"], {
      cwd: p,
      env: { ...process.env, PIPELINE_SERVICE_CACHE: path.join(tmp, "cache") },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });

  it("links upstream's host when one ships beside the CLI in use, and compiles nothing", () => {
    const cli = path.join(tmp, "upstream-cli");
    fs.mkdirSync(cli);
    fs.writeFileSync(path.join(cli, "pulumi"), "#!/bin/sh\necho v3.274.1\n", { mode: 0o755 });
    fs.writeFileSync(path.join(cli, "pulumi-language-nodejs"), "#!/bin/sh\n# upstream build\n", {
      mode: 0o755,
    });
    const p = project("with-upstream", cli);
    runRecipe(p);
    assert.equal(
      fs.readlinkSync(path.join(p, ".tools/bin/pulumi-language-nodejs")),
      path.join(cli, "pulumi-language-nodejs"),
    );
    assert.ok(!fs.existsSync(path.join(p, ".tools/language-host")), "our host is not compiled");
  });

  it("does not mistake a launcher of ours beside the CLI for upstream's (it needs the compiler then)", () => {
    const cli = path.join(tmp, "our-cli");
    fs.mkdirSync(cli);
    fs.writeFileSync(path.join(cli, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(
      path.join(cli, "pulumi-language-nodejs"),
      "#!/usr/bin/env bash\n# Generated by tools/recipes/language-host.sh: ...\n",
      { mode: 0o755 },
    );
    const p = project("with-ours", cli);
    // No node_modules in the scratch project: reaching the compile step proves the upstream branch was not taken.
    assert.throws(
      () => runRecipe(p),
      (err: { stderr: string }) => /tsc is missing \(run npm ci first\)/.test(err.stderr),
    );
  });
});
