// OpenAI's official Node.js client against the router, as an application
// would use it: upload a batch input, run a batch over it, list the files
// (all, and by purpose, paging), delete the output file. Prints what it saw
// as one JSON object for router/app/openai_node_test.go to check.
// OPENAI_BASE_URL and OPENAI_API_KEY point it at the router.
import OpenAI, { toFile, NotFoundError } from "openai";

const client = new OpenAI({ maxRetries: 0 });
const line = (id) =>
  JSON.stringify({
    custom_id: id, method: "POST", url: "/v1/chat/completions",
    body: { model: "reference-1", messages: [{ role: "user", content: `question ${id}` }] },
  });

const input = await client.files.create({
  file: await toFile(Buffer.from([line("a"), line("b")].join("\n") + "\n"), "input.jsonl"),
  purpose: "batch",
});
let batch = await client.batches.create({
  input_file_id: input.id, endpoint: "/v1/chat/completions", completion_window: "24h",
});
const deadline = Date.now() + 60_000;
while (!["completed", "failed", "expired", "cancelled"].includes(batch.status) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
  batch = await client.batches.retrieve(batch.id);
}

const ids = async (params) => {
  const out = [];
  for await (const f of client.files.list(params)) out.push(f.id); // pages through has_more
  return out;
};
const all = await ids();
const inputs = await ids({ purpose: "batch" });
const paged = await ids({ limit: 1 }); // one file a page: the client follows after
const deleted = await client.files.delete(batch.output_file_id);
let afterDelete = "found";
try {
  await client.files.retrieve(batch.output_file_id);
} catch (e) {
  afterDelete = e instanceof NotFoundError ? "not_found" : String(e);
}
console.log(JSON.stringify({
  input: input.id, status: batch.status, completed: batch.request_counts.completed, output: batch.output_file_id,
  all, inputs, paged, deleted: deleted.deleted, afterDelete, listedAfterDelete: await ids(),
}));
