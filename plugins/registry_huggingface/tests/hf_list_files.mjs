// Lists a published version with the official @huggingface/hub client (installed in
// tests/hub_server/node_modules) and prints one path per line.
// Usage: node hf_list_files.mjs REPO_ID REVISION   (env HUB_SERVER_DIR, HF_ENDPOINT, HF_TOKEN)
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [repo, revision] = process.argv.slice(2);
const hubUrl = process.env.HF_ENDPOINT;
const host = new URL(hubUrl).hostname;
if (!["127.0.0.1", "[::1]", "localhost"].includes(host)) {
  console.error(`refusing a non-loopback endpoint ${host}`);
  process.exit(2);
}
const require = createRequire(process.env.HUB_SERVER_DIR + "/package.json");
const hub = await import(pathToFileURL(require.resolve("@huggingface/hub")).href);
// Only loopback requests, whatever a default inside the client says.
const guardedFetch = (url, init) => {
  const h = new URL(url instanceof Request ? url.url : url).hostname;
  if (!["127.0.0.1", "[::1]", "localhost"].includes(h)) throw new Error(`blocked ${h}`);
  return fetch(url, init);
};
for await (const entry of hub.listFiles({
  repo: { type: "model", name: repo },
  revision,
  recursive: true,
  hubUrl,
  accessToken: process.env.HF_TOKEN,
  fetch: guardedFetch,
})) {
  if (entry.type === "file") console.log(entry.path);
}
