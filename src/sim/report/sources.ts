import type { TraceFormat } from "../input/index.js";

/** Where each trace format's shared data comes from and under which licence (from data/traces/README.md). */
export const traceSources: Record<TraceFormat, { name: string; source: string; licence: string; cite: string }> = {
  "azure-llm": {
    name: "Azure LLM inference trace 2023",
    source: "Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_{code,conv}.csv (commit b469a113)",
    licence: "CC-BY-4.0",
    cite: 'Patel et al., "Splitwise: Efficient generative LLM inference using phase splitting", ISCA 2024',
  },
  mooncake: {
    name: "Mooncake conversation trace (FAST '25)",
    source: "kvcache-ai/Mooncake, FAST25-release/traces/conversation_trace.jsonl (commit 3b5a5941)",
    licence: "repository Apache-2.0; the trace release states no separate data licence",
    cite: "the Mooncake FAST '25 paper (FAST25-release/Mooncake-FAST25.pdf)",
  },
  "azure-functions": {
    name: "Azure Functions trace 2019, 500-function 8-hour sample",
    source: "Azure Public Dataset (AzureFunctionsDataset2019.md), sample as committed to vhive-serverless/invitro data/traces/500 (commit 163911a8)",
    licence: "trace data CC-BY-4.0 (invitro code MIT)",
    cite: 'Shahrad et al., "Serverless in the Wild", USENIX ATC 2020',
  },
  servegen: {
    name: "ServeGen per-client rate traces (Alibaba Bailian / Qwen)",
    source: "alibaba/ServeGen, data/ (commit f891d118); arrivals drawn per 10-minute window from each window's fitted inter-arrival distribution",
    licence: "Apache-2.0",
    cite: 'Xiang et al., "ServeGen: Workload Characterization and Generation of Large Language Model Serving in Production", arXiv:2505.09999',
  },
};

/** What data/catalog/README.md and instances.json say about the prices. */
export const priceCaveats = [
  "SageMaker real-time inference prices, us-east-1, on demand, from data/catalog/instances.json; sourced prices come from aws-samples/foundation-model-benchmarking-tool fmbench/configs/pricing.yml (January 2025).",
  "P-family prices (p4d, p5, …) predate AWS's June 2025 cut of EC2 GPU prices; treat them as upper bounds. Absolute costs scale with the price; the ratios between strategies do not depend on it.",
  "The official SageMaker pricing page could not be read as text; no price was taken from it directly. Override with endpoint.pricePerHour in the portfolio or --price on the command line.",
];
