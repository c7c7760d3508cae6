// One contender of bench/hub: @huggingface/hub's uploadFiles to a fresh branch of a fresh repo.
//
//   node upload_files.mjs FOLDER REPO_ID BRANCH
//
// Env: BENCH_HUB_URL (the local test server), BENCH_HF_TOKEN (a test token), BENCH_HF_JS (path
// of @huggingface/hub's dist/index.mjs, installed in tests/hub_server/node_modules). Every file
// is passed as a file:// URL, so the client streams it from disk (FileBlob) rather than from a
// buffer we load. Prints one JSON line: {"commit": oid, "upload_s": seconds in uploadFiles}.

import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

const [folder, repo, branch] = process.argv.slice(2);
const hubUrl = process.env.BENCH_HUB_URL;
const accessToken = process.env.BENCH_HF_TOKEN;
const hub = await import(pathToFileURL(process.env.BENCH_HF_JS).href);

// Never let a default aim the client anywhere but the loopback server.
function guardedFetch(input, init) {
  const url = new URL(typeof input === "string" ? input : input.url ?? String(input));
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new Error(`bench guard: refusing non-loopback URL ${url}`);
  }
  return fetch(input, init);
}

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const common = { hubUrl, accessToken, fetch: guardedFetch };
await hub.createRepo({ ...common, repo, visibility: "private" });
await hub.createBranch({ ...common, repo, branch });
const files = walk(folder).map((p) => ({ path: relative(folder, p), content: pathToFileURL(p) }));
const t0 = performance.now();
const out = await hub.uploadFiles({
  ...common, repo, branch, files, commitTitle: "bench uploadFiles", useXet: false,
});
const uploadS = (performance.now() - t0) / 1000;
const rounded = Math.round(uploadS * 1000) / 1000;
console.log(JSON.stringify({ commit: out?.commit?.oid, upload_s: rounded }));
