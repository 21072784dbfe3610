import { SageMakerClient, CreateInferenceComponentCommand, UpdateInferenceComponentCommand, DescribeInferenceComponentCommand, DeleteInferenceComponentCommand, ListInferenceComponentsCommand } from "@aws-sdk/client-sagemaker";
const cs = ["http://127.0.0.1:18110", "http://127.0.0.1:18111"].map((u) => new SageMakerClient({ endpoint: u, maxAttempts: 1 }));
const res = (p) => p.then(() => "ok", (e) => `${e.name}: ${e.message.slice(0, 100)}`);
const names = Array.from({ length: 10 }, (_, i) => `r3-${i}`);
for (const n of names) await cs[0].send(new CreateInferenceComponentCommand({ InferenceComponentName: n, EndpointName: "fleet", VariantName: "AllTraffic", RuntimeConfig: { CopyCount: 1 }, Specification: { Container: { Image: "berth/echo" }, ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.25, MinMemoryRequiredInMb: 128 } } }));
for (;;) { const l = await cs[0].send(new ListInferenceComponentsCommand({ NameContains: "r3-" })); if (l.InferenceComponents.every((c) => c.InferenceComponentStatus === "InService")) break; await new Promise((r) => setTimeout(r, 300)); }
for (const n of names) console.log(n, await res(cs[1].send(new UpdateInferenceComponentCommand({ InferenceComponentName: n, RuntimeConfig: { CopyCount: 2 } }))));
for (const n of names) await res(cs[0].send(new DeleteInferenceComponentCommand({ InferenceComponentName: n })));
const t0 = Date.now();
for (;;) { const l = await cs[0].send(new ListInferenceComponentsCommand({ NameContains: "r3-" })); if (l.InferenceComponents.length === 0) { console.log("all deleted after", Date.now() - t0, "ms"); break; } if (Date.now() - t0 > 30000) { console.log("STUCK", l.InferenceComponents.map((c) => c.InferenceComponentName + ":" + c.InferenceComponentStatus)); break; } await new Promise((r) => setTimeout(r, 300)); }
