// Fidelity tests: the official @huggingface/hub client against the test server.
// Run: cd tests/hub_server && node --test test_js_client.mjs   (after `npm ci`)
//
// Every call gets `hubUrl` (the loopback server) and a guarded `fetch` that refuses any
// non-loopback URL, so the client can never reach a real hub through a default.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

import {
  whoAmI,
  createRepo,
  uploadFiles,
  listFiles,
  downloadFile,
  fileDownloadInfo,
  createBranch,
  deleteBranch,
  repoExists,
  listCommits,
  deleteFile,
  HubApiError,
} from "@huggingface/hub";

const HERE = dirname(fileURLToPath(import.meta.url));
const WRITE = "hf_test_write_alice";
const READ = "hf_test_read_alice";
const MiB = 1 << 20;

let server;
let workdir;
let hubUrl;
let uploadUrl;

function guardedFetch(input, init) {
  const url = new URL(typeof input === "string" ? input : input.url ?? String(input));
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new Error(`test guard: refusing non-loopback URL ${url}`);
  }
  return fetch(input, init);
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const uniq = (p = "js") => `${p}-${randomBytes(5).toString("hex")}`;
const common = () => ({ hubUrl, fetch: guardedFetch, accessToken: WRITE });

async function getJson(path, init) {
  const r = await guardedFetch(hubUrl + path, init);
  return r.json();
}
const stats = () => getJson("/_test/stats");

before(async () => {
  workdir = mkdtempSync(join(tmpdir(), "hubjs-"));
  const portFile = join(workdir, "ports.json");
  server = spawn(
    process.env.PYTHON || "python3",
    [
      join(HERE, "hub_server.py"),
      "--data", join(workdir, "data"),
      "--port", "0", "--upload-port", "0",
      "--port-file", portFile,
      "--regular-file-limit", "4096",
      "--chunk-size", String(MiB),
      "--tree-page-size", "4",
      "--max-lifetime", "900",
      "--quiet",
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  const deadline = Date.now() + 30000;
  while (!existsSync(portFile)) {
    if (Date.now() > deadline) throw new Error("server did not start");
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(portFile, "utf8"));
  hubUrl = info.api_url;
  uploadUrl = info.upload_url;
});

after(async () => {
  if (server && server.exitCode === null) {
    const done = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    let timer;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 10000)))]);
    clearTimeout(timer);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

test("whoAmI reports the token's user, orgs and role", async () => {
  const me = await whoAmI(common());
  assert.equal(me.name, "alice");
  assert.deepEqual(me.orgs.map((o) => o.name), ["acme"]);
  assert.equal(me.auth.accessToken.role, "write");
  await assert.rejects(whoAmI({ ...common(), accessToken: "hf_unknown_token" }), (e) => {
    assert.ok(e instanceof HubApiError);
    assert.equal(e.statusCode, 401);
    return true;
  });
});

test("createRepo, uploadFiles with LFS + multipart, listFiles, downloadFile", async () => {
  const name = `acme/${uniq()}`;
  const created = await createRepo({ ...common(), repo: name, visibility: "private" });
  assert.equal(created.repoUrl, `${hubUrl}/${name}`);
  assert.ok(await repoExists({ ...common(), repo: name }));
  assert.equal(await repoExists({ hubUrl, fetch: guardedFetch, repo: name }), false); // private, anonymous

  const files = {
    "README.md": Buffer.from("---\nlicense: mit\n---\n# js\n"),
    "config.json": Buffer.from(JSON.stringify({ a: 1 })),
    "model.safetensors": Buffer.from("x".repeat(1000)), // LFS by .gitattributes pattern
    "data/big.bin": randomBytes(3 * MiB + 777), // multipart: 4 parts of 1 MiB, sent in parallel
    "data/blob.dat": Buffer.concat([Buffer.from([0, 1, 2]), randomBytes(500)]), // LFS by NUL byte
  };
  const before = await stats();
  const out = await uploadFiles({
    ...common(),
    repo: name,
    files: Object.entries(files).map(([path, buf]) => ({ path, content: new Blob([buf]) })),
    commitTitle: "js upload",
  });
  assert.match(out.commit.oid, /^[0-9a-f]{40}$/);
  assert.equal(out.commit.url, `${hubUrl}/${name}/commit/${out.commit.oid}`);
  const mid = await stats();
  const bigOid = sha256(files["data/big.bin"]);
  assert.equal(mid.lfs.part_puts - before.lfs.part_puts, 4);
  assert.equal((mid.lfs.bytes_received[bigOid] ?? 0) - (before.lfs.bytes_received[bigOid] ?? 0), files["data/big.bin"].length);
  assert.equal(mid.lfs.puts - before.lfs.puts, 2); // model.safetensors + data/blob.dat
  assert.equal(mid.upload_host.authorization_seen, false);

  // listFiles (recursive, paginated by 4 on this server)
  const listed = {};
  for await (const e of listFiles({ ...common(), repo: name, recursive: true })) listed[e.path] = e;
  assert.deepEqual(
    Object.keys(listed).filter((p) => listed[p].type === "file").sort(),
    [".gitattributes", ...Object.keys(files)].sort(),
  );
  assert.equal(listed["data"].type, "directory");
  assert.equal(listed["data/big.bin"].lfs.oid, bigOid);
  assert.equal(listed["data/big.bin"].size, files["data/big.bin"].length);
  assert.equal(listed["config.json"].lfs, undefined);

  // downloadFile: bytes identical (it probes with GET Range: bytes=0-0 first)
  for (const [path, buf] of Object.entries(files)) {
    const blob = await downloadFile({ ...common(), repo: name, path });
    assert.ok(blob, path);
    assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), sha256(buf), path);
  }
  const info = await fileDownloadInfo({ ...common(), repo: name, path: "data/big.bin" });
  assert.equal(info.size, files["data/big.bin"].length);
  assert.equal(info.etag, `"${bigOid}"`);
  assert.equal(await downloadFile({ ...common(), repo: name, path: "nope.bin" }), null);

  // the same big content again: the batch answer has no actions, no byte is re-sent
  const s1 = await stats();
  await uploadFiles({ ...common(), repo: name, files: [{ path: "copy.bin", content: new Blob([files["data/big.bin"]]) }] });
  const s2 = await stats();
  assert.equal(s2.lfs.bytes_received_total, s1.lfs.bytes_received_total);
  assert.equal(s2.commits, s1.commits + 1);
});

test("branches with '/' and '#', uploads and reads at a branch", async () => {
  const name = `alice/${uniq()}`;
  await createRepo({ ...common(), repo: name });
  await createBranch({ ...common(), repo: name, branch: "release/v1.2" });
  await createBranch({ ...common(), repo: name, branch: "exp#1" });
  await assert.rejects(createBranch({ ...common(), repo: name, branch: "exp#1" }), (e) => e.statusCode === 409);
  const w = randomBytes(10000);
  await uploadFiles({ ...common(), repo: name, branch: "release/v1.2", files: [{ path: "w.bin", content: new Blob([w]) }] });
  await uploadFiles({ ...common(), repo: name, branch: "exp#1", files: [{ path: "e.txt", content: new Blob(["e"]) }] });

  const onRelease = [];
  for await (const e of listFiles({ ...common(), repo: name, revision: "release/v1.2" })) onRelease.push(e.path);
  assert.deepEqual(onRelease.sort(), [".gitattributes", "w.bin"]);
  const blob = await downloadFile({ ...common(), repo: name, path: "w.bin", revision: "release/v1.2" });
  assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), sha256(w));
  assert.equal(await downloadFile({ ...common(), repo: name, path: "w.bin" }), null); // not on main
  const e = await downloadFile({ ...common(), repo: name, path: "e.txt", revision: "exp#1" });
  assert.equal(await e.text(), "e");

  const titles = [];
  for await (const c of listCommits({ ...common(), repo: name, revision: "release/v1.2" })) titles.push(c.title);
  assert.deepEqual(titles, ["Add 1 files", "initial commit"]);

  await deleteFile({ ...common(), repo: name, path: "w.bin", branch: "release/v1.2" });
  assert.equal(await downloadFile({ ...common(), repo: name, path: "w.bin", revision: "release/v1.2" }), null);
  await deleteBranch({ ...common(), repo: name, branch: "exp#1" });
  await assert.rejects(
    uploadFiles({ ...common(), repo: name, branch: "exp#1", files: [{ path: "x", content: new Blob(["x"]) }] }),
    (err) => err.statusCode === 404,
  );
});

test("a read-only token cannot write", async () => {
  const name = `alice/${uniq()}`;
  await createRepo({ ...common(), repo: name });
  await assert.rejects(
    uploadFiles({ ...common(), accessToken: READ, repo: name, files: [{ path: "x.txt", content: new Blob(["x"]) }] }),
    (e) => e instanceof HubApiError && e.statusCode === 403,
  );
  await assert.rejects(createRepo({ ...common(), accessToken: READ, repo: `alice/${uniq()}` }), (e) => e.statusCode === 403);
  const listed = [];
  for await (const f of listFiles({ ...common(), accessToken: READ, repo: name })) listed.push(f.path);
  assert.deepEqual(listed, [".gitattributes"]);
});

test("the upload host never received the Hub token", async () => {
  const s = await stats();
  assert.ok(s.upload_host.requests > 0);
  assert.equal(s.upload_host.authorization_seen, false);
  assert.equal(s.lfs_complete_authorization_count, 0);
  assert.ok(uploadUrl.startsWith("http://127.0.0.1:") && uploadUrl !== hubUrl);
});
