import { SageMakerRuntimeClient, InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
const rt = ["http://127.0.0.1:18110", "http://127.0.0.1:18111"].map((u) => new SageMakerRuntimeClient({ endpoint: u, maxAttempts: 1 }));
const end = Date.now() + Number(process.argv[2]);
const out = { ok: 0, fail: {} };
await Promise.all(rt.map(async (c, j) => { while (Date.now() < end) { try { await c.send(new InvokeEndpointCommand({ EndpointName: "fleet", InferenceComponentName: "echo", Body: "{}", ContentType: "application/json" })); out.ok++; } catch (e) { if (e.$metadata?.httpStatusCode === 503 || /ECONNREFUSED|socket/.test(e.message)) { out.fail[`replica${j} down`] = (out.fail[`replica${j} down`] ?? 0) + 1; await new Promise((r) => setTimeout(r, 50)); } else { const k = `${j}:${e.name}: ${e.message.slice(0, 120)}`; out.fail[k] = (out.fail[k] ?? 0) + 1; } } } }));
console.log(JSON.stringify(out, null, 1));
